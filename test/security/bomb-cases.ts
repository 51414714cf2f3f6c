/**
 * The explicit bombs of issue 19, each a few MB at most, generated on demand. Shared by the
 * test (bombs.test.ts) and the script that prints before/after figures (measure-bombs.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPng, buildZip, storedEntry, zeroDeflateRaw, zeroZlib } from './bombs.js';
import type { LoaderKind } from './measure.js';

export interface BombCase {
  readonly name: string;
  readonly kind: LoaderKind;
  readonly file: string;
  readonly make: () => Uint8Array;
}

const GIB_BLOCKS = 1024; // × 1 MiB of zeros

const fixture = (root: string, ...parts: string[]): Uint8Array => new Uint8Array(readFileSync(join(root, 'test', 'fixtures', ...parts)));

/** The tiny .keras fixture's entries, with metadata.json replaced by `metadata`. */
function kerasWith(root: string, metadata: ReturnType<typeof storedEntry>): Uint8Array {
  const h5 = fixture(root, 'hdf5', 'tiny_keras3.keras');
  // The stored fixture's entries are uncompressed: cut them out by their local headers.
  const entries = new Map<string, Uint8Array>();
  const v = new DataView(h5.buffer);
  let p = 0;
  while (v.getUint32(p, true) === 0x04034b50) {
    const size = v.getUint32(p + 18, true);
    const nameLength = v.getUint16(p + 26, true);
    const extra = v.getUint16(p + 28, true);
    const name = new TextDecoder().decode(h5.subarray(p + 30, p + 30 + nameLength));
    const start = p + 30 + nameLength + extra;
    entries.set(name, h5.subarray(start, start + size));
    p = start + size;
  }
  return buildZip([metadata, storedEntry('config.json', entries.get('config.json')!), storedEntry('model.weights.h5', entries.get('model.weights.h5')!)]);
}

export function bombCases(root: string): BombCase[] {
  const metadataBomb = (claimed: number) => ({ name: 'metadata.json', data: zeroDeflateRaw(GIB_BLOCKS), method: 8 as const, uncompressedSize: claimed, crc: 0 });
  // 20,000 × 20,000 RGB: every row a filter byte and 60,000 zeros, about 1.2 GB inflated.
  const bigRows = 20_000 * (1 + 60_000);
  return [
    { name: 'zip: 1 GiB metadata.json claiming 10 bytes (DecompressionStream)', kind: 'keras-async', file: 'bomb-10.keras', make: () => kerasWith(root, metadataBomb(10)) },
    { name: 'zip: 1 GiB metadata.json claiming 10 bytes (node:zlib)', kind: 'keras-sync', file: 'bomb-10-sync.keras', make: () => kerasWith(root, metadataBomb(10)) },
    { name: 'zip: 1 GiB metadata.json claiming 4 GiB', kind: 'keras-async', file: 'bomb-4g.keras', make: () => kerasWith(root, metadataBomb(0xffff_fffe)) },
    { name: 'png: 20,000 x 20,000 pixels', kind: 'image', file: 'bomb-20k.png', make: () => buildPng(20_000, 20_000, zeroZlib(Math.ceil(bigRows / 2 ** 20))) },
    { name: 'png: 100 x 100 header, 1 GiB of image data', kind: 'image', file: 'bomb-idat.png', make: () => buildPng(100, 100, zeroZlib(GIB_BLOCKS)) },
    { name: 'png: 100 x 100 interlaced, 1 GiB of image data', kind: 'image', file: 'bomb-adam7.png', make: () => buildPng(100, 100, zeroZlib(GIB_BLOCKS), { interlaced: true }) },
    // HDF5 filters are not decoded at all (filtered datasets are refused), so a gzip bomb in a
    // dataset is refused the same way as this gzip-filtered fixture: without inflating anything.
    { name: 'hdf5: gzip-filtered dataset', kind: 'hdf5', file: 'filtered.h5', make: () => fixture(root, 'hdf5', 'chunked_gzip.h5') },
  ];
}
