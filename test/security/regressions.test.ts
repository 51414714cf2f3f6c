/**
 * Issue 19's hostile inputs, one test each: before the fix each of these loaded silently (or
 * decoded a damaged image with exit code 0); now each is a one-line error naming the file and
 * the entry or dataset at fault. And the limits: overridable per call and per process.
 */
import { deflateSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeImage, encodePng } from '../../src/io/image-codec.js';
import { Hdf5Error, Hdf5File } from '../../src/models/hdf5/index.js';
import { KerasFormatError, readKerasArchive, readKerasWeights } from '../../src/models/keras/index.js';
import { fixtureBytes } from '../helpers/fixtures.js';
import { buildPng, buildZip, storedEntry, type ZipFile } from './bombs.js';

const enc = new TextEncoder();
const archive = fixtureBytes('hdf5', 'tiny_keras3.keras');
/** The stored fixture's entries, cut out by their local headers. */
function storedEntries(zip: Uint8Array): Map<string, Uint8Array> {
  const v = new DataView(zip.buffer, zip.byteOffset);
  const out = new Map<string, Uint8Array>();
  for (let p = 0; v.getUint32(p, true) === 0x04034b50; ) {
    const size = v.getUint32(p + 18, true);
    const nameLength = v.getUint16(p + 26, true);
    const start = p + 30 + nameLength + v.getUint16(p + 28, true);
    out.set(new TextDecoder().decode(zip.subarray(p + 30, p + 30 + nameLength)), zip.subarray(start, start + size));
    p = start + size;
  }
  return out;
}
const parts = storedEntries(archive);
const entry = (name: string, data = parts.get(name)!): ZipFile => storedEntry(name, data);

/** Position of `needle` in `haystack` (the only one: a test that relies on it checks). */
function find(haystack: Uint8Array, needle: Uint8Array): number[] {
  const hits: number[] = [];
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    hits.push(i);
  }
  return hits;
}
const u64 = (n: number): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return b;
};

describe('.keras integrity', () => {
  it('a missing config.json is an error, not a guessed layer order', async () => {
    const zip = buildZip([entry('metadata.json'), entry('model.weights.h5')]);
    await expect(readKerasArchive(zip, { name: 'm.keras' })).rejects.toThrow(/^m\.keras: no "config\.json" in the archive/);
  });

  it('two entries of one name are an error, not "the last wins"', async () => {
    const zip = buildZip([entry('metadata.json'), entry('config.json'), entry('model.weights.h5'), entry('model.weights.h5')]);
    await expect(readKerasArchive(zip, { name: 'm.keras' })).rejects.toThrow(/^m\.keras: duplicate entry "model\.weights\.h5"/);
  });

  it('entries whose data overlap, or a local header naming another file, are errors', async () => {
    const zip = buildZip([entry('metadata.json'), entry('config.json'), entry('model.weights.h5')]);
    const v = new DataView(zip.buffer);
    const dir = v.getUint32(zip.length - 6, true);
    // Point config.json's directory record at metadata.json's local header.
    const second = dir + 46 + 'metadata.json'.length;
    v.setUint32(second + 42, 0, true);
    await expect(readKerasArchive(zip, { name: 'm.keras' })).rejects.toThrow(/overlaps entry|local header name/);
  });

  it('a wrong CRC is an error whatever the entry size', async () => {
    const bad = { ...entry('model.weights.h5'), crc: 12345 };
    const zip = buildZip([entry('metadata.json'), entry('config.json'), bad]);
    await expect(readKerasArchive(zip, { name: 'm.keras' })).rejects.toThrow(/"model\.weights\.h5" fails its CRC-32 check/);
  });

  it('entry names are never paths: a "../" entry beside the real ones is simply ignored', async () => {
    const zip = buildZip([entry('metadata.json'), entry('config.json'), entry('model.weights.h5'), storedEntry('../../evil', enc.encode('x'))]);
    const w = await readKerasArchive(zip, { name: 'm.keras' });
    expect(w.layers.length).toBeGreaterThan(0);
  });

  it('a declared size over the cap is refused before inflating; the cap is per call', async () => {
    const zip = buildZip([entry('metadata.json'), entry('config.json'), entry('model.weights.h5')]);
    await expect(readKerasArchive(zip, { name: 'm.keras', limits: { maxInflatedBytes: 1000 } })).rejects.toThrow(
      /"model\.weights\.h5" declares 21948 bytes, over the limit of 1000 bytes \(STIELTJES_MAX_INFLATED_BYTES raises it\)/,
    );
  });
});

describe('HDF5 addresses and dimensions', () => {
  const file = fixtureBytes('keras', 'pplonski_keras2cpp', 'my_nn_weights.h5');
  const path = '/dense_1/dense_1_W';

  it('a contiguous data address of 0 (the superblock) is an error naming the dataset', () => {
    const data = (Hdf5File.open(file).dataset(path).read() as Float32Array);
    const offset = data.byteOffset - file.byteOffset;
    const hits = find(file, u64(offset));
    expect(hits).toHaveLength(1);
    const bad = file.slice();
    bad.set(u64(0), hits[0]!);
    expect(() => readKerasWeights(bad, { name: 'w.h5' })).toThrow(Hdf5Error);
    expect(() => Hdf5File.open(bad, { name: 'w.h5' }).dataset(path).read()).toThrow(/^w\.h5: cannot read dataset "\/dense_1\/dense_1_W": its data \(bytes \d+\.\.\d+\) overlaps the superblock/);
  });

  it('a dimension of 0 or beyond the file is an error naming the dataset, as soon as it is seen', () => {
    const shape = Hdf5File.open(file).dataset(path).shape;
    // The dimensions, then the same values again as the maximum dimensions.
    const hits = find(file, new Uint8Array([...u64(shape[0]!), ...u64(shape[1]!)]));
    expect(hits).toHaveLength(2);
    for (const [value, message] of [
      [0, /dataset "\/dense_1\/dense_1_W" has shape \[0, \d+\]: a dimension of 0, yet \d+ bytes of data are stored/],
      [2 ** 40, /dataset "\/dense_1\/dense_1_W" has shape \[1099511627776, \d+\]: \d+ bytes of data, more than the whole file/],
    ] as const) {
      const bad = file.slice();
      bad.set(u64(value), hits[0]!);
      // `inspect` visits every object: that is where a 0 was accepted before.
      expect(() => Hdf5File.open(bad, { name: 'w.h5' }).root.visit(() => undefined)).toThrow(message);
    }
  });
});

describe('images', () => {
  const digit = encodePng({ width: 3, height: 2, data: new Uint8Array(18).fill(7) });
  afterEach(() => {
    delete process.env.STIELTJES_MAX_IMAGE_PIXELS;
  });

  it('a PNG whose image data is not valid zlib is an error', () => {
    const garbage = new Uint8Array(64).map((_, i) => (i * 37) & 0xff);
    garbage.set([0x78, 0x9c]);
    expect(() => decodeImage(buildPng(3, 2, garbage), 'g.png')).toThrow(/^g\.png: cannot decode this PNG file: image data is not valid zlib/);
    // A valid stream one byte short of the rows its header implies, too.
    expect(() => decodeImage(buildPng(3, 2, deflateSync(new Uint8Array(19))), 's.png')).toThrow(/inflates to 19 bytes, 20 expected/);
  });

  it('the pixel limit is read from the header, per call or from STIELTJES_MAX_IMAGE_PIXELS', () => {
    expect(decodeImage(digit, 'd.png').width).toBe(3);
    expect(() => decodeImage(digit, 'd.png', { limits: { maxImagePixels: 5 } })).toThrow(/3x2 is 0\.0 megapixels, over the limit/);
    process.env.STIELTJES_MAX_IMAGE_PIXELS = '5';
    expect(() => decodeImage(digit, 'd.png')).toThrow(/over the limit .*STIELTJES_MAX_IMAGE_PIXELS raises it/);
    process.env.STIELTJES_MAX_IMAGE_PIXELS = 'lots';
    expect(() => decodeImage(digit, 'd.png')).toThrow(/STIELTJES_MAX_IMAGE_PIXELS=lots: expected a positive integer/);
  });
});

// KerasFormatError is what every .keras failure above throws.
it('the archive errors are KerasFormatErrors', async () => {
  await expect(readKerasArchive(buildZip([entry('model.weights.h5')]))).rejects.toBeInstanceOf(KerasFormatError);
});
