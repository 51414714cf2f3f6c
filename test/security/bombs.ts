/**
 * Decompression bombs, generated (never committed): a small file whose contents inflate to far
 * more than it claims. The deflate stream is one flushed block of zeros repeated: each copy is
 * self-contained and byte-aligned, so N copies inflate to N times the block for N times its
 * compressed size, without this process ever holding the inflated data.
 */
import { crc32, deflateRawSync, constants } from 'node:zlib';

/** A raw deflate stream inflating to `blocks` × `blockSize` zero bytes, and its final block. */
export function zeroDeflateRaw(blocks: number, blockSize = 1 << 20): Uint8Array {
  const block = deflateRawSync(new Uint8Array(blockSize), { finishFlush: constants.Z_SYNC_FLUSH });
  const end = deflateRawSync(new Uint8Array(0)); // an empty final block
  const out = new Uint8Array(block.length * blocks + end.length);
  for (let i = 0; i < blocks; i++) out.set(block, i * block.length);
  out.set(end, block.length * blocks);
  return out;
}

/** The same wrapped as zlib (PNG's IDAT): header, blocks, Adler-32 of n zeros (a = 1, b = n). */
export function zeroZlib(blocks: number, blockSize = 1 << 20): Uint8Array {
  const raw = zeroDeflateRaw(blocks, blockSize);
  const n = blocks * blockSize;
  const out = new Uint8Array(2 + raw.length + 4);
  out.set([0x78, 0x9c]);
  out.set(raw, 2);
  new DataView(out.buffer).setUint32(2 + raw.length, (((n % 65521) << 16) | 1) >>> 0);
  return out;
}

export interface ZipFile {
  readonly name: string;
  /** What the entry's bytes are: deflated data, or stored bytes. */
  readonly data: Uint8Array;
  readonly method: 0 | 8;
  /** What the headers claim. */
  readonly uncompressedSize: number;
  readonly crc: number;
}

/** A plain (non-ZIP64) archive of the given entries, headers claiming what each entry says. */
export function buildZip(files: readonly ZipFile[]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const f of files) {
    const name = enc.encode(f.name);
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, f.method, true);
    lv.setUint32(14, f.crc, true);
    lv.setUint32(18, f.data.length, true);
    lv.setUint32(22, f.uncompressedSize, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const dir = new Uint8Array(46 + name.length);
    const dv = new DataView(dir.buffer);
    dv.setUint32(0, 0x02014b50, true);
    dv.setUint16(4, 20, true);
    dv.setUint16(6, 20, true);
    dv.setUint16(10, f.method, true);
    dv.setUint32(16, f.crc, true);
    dv.setUint32(20, f.data.length, true);
    dv.setUint32(24, f.uncompressedSize, true);
    dv.setUint16(28, name.length, true);
    dv.setUint32(42, offset, true);
    dir.set(name, 46);
    parts.push(local, f.data);
    central.push(dir);
    offset += local.length + f.data.length;
  }
  const dirSize = central.reduce((s, c) => s + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, files.length, true);
  ev.setUint16(10, files.length, true);
  ev.setUint32(12, dirSize, true);
  ev.setUint32(16, offset, true);
  return concat([...parts, ...central, end]);
}

/** An entry stored as is, with its true size and CRC. */
export function storedEntry(name: string, data: Uint8Array): ZipFile {
  return { name, data, method: 0, uncompressedSize: data.length, crc: crc32(data) };
}

/** A PNG from its header fields and the IDAT payload (zlib data), CRCs correct. */
export function buildPng(width: number, height: number, idat: Uint8Array, opts: { colourType?: number; bitDepth?: number; interlaced?: boolean } = {}): Uint8Array {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr[8] = opts.bitDepth ?? 8;
  ihdr[9] = opts.colourType ?? 2;
  ihdr[12] = opts.interlaced ? 1 : 0;
  const signature = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return concat([signature, chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))]);
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  const typed = new TextEncoder().encode(type);
  out.set(typed, 4);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
