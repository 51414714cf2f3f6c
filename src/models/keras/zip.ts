/**
 * A small ZIP reader for `.keras` archives: it parses the central directory (ZIP64 included)
 * and hands out entries, stored ones as views and deflated ones through an injected inflater
 * (node:zlib in Node, DecompressionStream in browsers), so this file stays platform-free.
 */
import { crc32 } from './crc32.js';
import { KerasFormatError } from './errors.js';

export interface ZipEntry {
  readonly name: string;
  /** 0 = stored, 8 = deflated. */
  readonly method: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** The end record sits within its 22 bytes + a comment of at most 65,535 bytes from the end. */
const MAX_EOCD_SEARCH = 22 + 0xffff;

class Reader {
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    private readonly what: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(message: string): never {
    throw new KerasFormatError(`${this.what}: ${message}`);
  }

  private check(pos: number, n: number, field: string): void {
    if (!Number.isSafeInteger(pos) || pos < 0 || pos + n > this.bytes.length) {
      this.fail(`truncated ZIP archive (${field} at ${pos} is past the end, ${this.bytes.length} bytes)`);
    }
  }

  u16(pos: number, field: string): number {
    this.check(pos, 2, field);
    return this.view.getUint16(pos, true);
  }

  u32(pos: number, field: string): number {
    this.check(pos, 4, field);
    return this.view.getUint32(pos, true);
  }

  u64(pos: number, field: string): number {
    this.check(pos, 8, field);
    const v = this.view.getBigUint64(pos, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`${field} is too large`);
    return Number(v);
  }

  slice(pos: number, n: number, field: string): Uint8Array {
    this.check(pos, n, field);
    return this.bytes.subarray(pos, pos + n);
  }
}

const utf8 = new TextDecoder('utf-8');

function findEndRecord(r: Reader): number {
  const bytes = r.bytes;
  const lowest = Math.max(0, bytes.length - MAX_EOCD_SEARCH);
  for (let p = bytes.length - 22; p >= lowest; p--) {
    if (bytes[p] === 0x50 && bytes[p + 1] === 0x4b && r.u32(p, 'end record') === EOCD) return p;
  }
  return r.fail('not a ZIP archive (no end of central directory record)');
}

/** The entries of a ZIP archive, from its central directory. */
export function readZipDirectory(bytes: Uint8Array, what = '<zip>'): ZipEntry[] {
  const r = new Reader(bytes, what);
  const eocd = findEndRecord(r);
  let count = r.u16(eocd + 10, 'entry count');
  let dirSize = r.u32(eocd + 12, 'central directory size');
  let dirOffset = r.u32(eocd + 16, 'central directory offset');
  if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
    // ZIP64: the real values are in the ZIP64 end record, found through its locator.
    const locator = eocd - 20;
    if (r.u32(locator, 'ZIP64 locator') !== ZIP64_LOCATOR) r.fail('ZIP64 archive without a ZIP64 locator');
    const end64 = r.u64(locator + 8, 'ZIP64 end record offset');
    if (r.u32(end64, 'ZIP64 end record') !== ZIP64_EOCD) r.fail('bad ZIP64 end record signature');
    count = r.u64(end64 + 32, 'ZIP64 entry count');
    dirSize = r.u64(end64 + 40, 'ZIP64 central directory size');
    dirOffset = r.u64(end64 + 48, 'ZIP64 central directory offset');
  }
  // Each central directory record is at least 46 bytes: bounds the loop by the directory size.
  if (count * 46 > dirSize || dirOffset + dirSize > bytes.length) r.fail('central directory does not fit the archive');
  const entries: ZipEntry[] = [];
  let p = dirOffset;
  for (let i = 0; i < count; i++) {
    if (r.u32(p, 'central directory record') !== CENTRAL) r.fail(`bad central directory record ${i}`);
    const flags = r.u16(p + 8, 'flags');
    const method = r.u16(p + 10, 'compression method');
    const crc = r.u32(p + 16, 'crc32');
    let compressedSize = r.u32(p + 20, 'compressed size');
    let uncompressedSize = r.u32(p + 24, 'uncompressed size');
    const nameLength = r.u16(p + 28, 'name length');
    const extraLength = r.u16(p + 30, 'extra length');
    const commentLength = r.u16(p + 32, 'comment length');
    let localHeaderOffset = r.u32(p + 42, 'local header offset');
    const name = utf8.decode(r.slice(p + 46, nameLength, 'entry name'));
    if (flags & 0x01) r.fail(`entry "${name}" is encrypted`);
    // ZIP64 extended information (header id 1) replaces the fields that are all ones.
    let e = p + 46 + nameLength;
    const extraEnd = e + extraLength;
    while (e + 4 <= extraEnd) {
      const id = r.u16(e, 'extra field id');
      const size = r.u16(e + 2, 'extra field size');
      if (id === 0x0001) {
        let q = e + 4;
        if (uncompressedSize === 0xffffffff) {
          uncompressedSize = r.u64(q, 'ZIP64 size');
          q += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = r.u64(q, 'ZIP64 compressed size');
          q += 8;
        }
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = r.u64(q, 'ZIP64 offset');
      }
      e += 4 + size;
    }
    entries.push({ name, method, crc32: crc, compressedSize, uncompressedSize, localHeaderOffset });
    p = extraEnd + commentLength;
  }
  return entries;
}

export type InflateRaw = (compressed: Uint8Array, uncompressedSize: number) => Uint8Array | Promise<Uint8Array>;

/** Entries above this size skip the CRC check (it would cost seconds on a 500 MB weight file). */
const CRC_CHECK_LIMIT = 64 * 1024 * 1024;

/** The raw (still compressed, for deflated entries) bytes of an entry: a view, no copy. */
export function entryData(bytes: Uint8Array, entry: ZipEntry, what = '<zip>'): Uint8Array {
  const r = new Reader(bytes, what);
  const p = entry.localHeaderOffset;
  if (r.u32(p, 'local header') !== LOCAL) r.fail(`bad local header for "${entry.name}"`);
  const nameLength = r.u16(p + 26, 'local name length');
  const extraLength = r.u16(p + 28, 'local extra length');
  return r.slice(p + 30 + nameLength + extraLength, entry.compressedSize, `data of "${entry.name}"`);
}

function checkEntry(entry: ZipEntry, data: Uint8Array, what: string): Uint8Array {
  if (data.length !== entry.uncompressedSize) {
    throw new KerasFormatError(`${what}: "${entry.name}" unpacks to ${data.length} bytes, expected ${entry.uncompressedSize}`);
  }
  if (data.length <= CRC_CHECK_LIMIT && crc32(data) !== entry.crc32) {
    throw new KerasFormatError(`${what}: "${entry.name}" fails its CRC-32 check (corrupt archive)`);
  }
  return data;
}

function unsupportedMethod(entry: ZipEntry, what: string): never {
  throw new KerasFormatError(`${what}: "${entry.name}" uses compression method ${entry.method}; only stored (0) and deflate (8) are supported`);
}

/** An entry's uncompressed bytes, inflating with a synchronous inflater. */
export function extractEntrySync(bytes: Uint8Array, entry: ZipEntry, inflateRaw: (d: Uint8Array, size: number) => Uint8Array, what = '<zip>'): Uint8Array {
  const raw = entryData(bytes, entry, what);
  if (entry.method === 0) return checkEntry(entry, raw, what);
  if (entry.method !== 8) unsupportedMethod(entry, what);
  let out: Uint8Array;
  try {
    out = inflateRaw(raw, entry.uncompressedSize);
  } catch (cause) {
    throw new KerasFormatError(`${what}: cannot inflate "${entry.name}" (corrupt archive)`, { cause });
  }
  return checkEntry(entry, out, what);
}

/** An entry's uncompressed bytes, with a synchronous or asynchronous inflater. */
export async function extractEntry(bytes: Uint8Array, entry: ZipEntry, inflateRaw: InflateRaw, what = '<zip>'): Promise<Uint8Array> {
  const raw = entryData(bytes, entry, what);
  if (entry.method === 0) return checkEntry(entry, raw, what);
  if (entry.method !== 8) unsupportedMethod(entry, what);
  let out: Uint8Array;
  try {
    out = await inflateRaw(raw, entry.uncompressedSize);
  } catch (cause) {
    throw new KerasFormatError(`${what}: cannot inflate "${entry.name}" (corrupt archive)`, { cause });
  }
  return checkEntry(entry, out, what);
}

/** Inflater for browsers and Node 20+: the standard DecompressionStream('deflate-raw'). */
export async function inflateRawWithStreams(compressed: Uint8Array): Promise<Uint8Array> {
  if (typeof DecompressionStream === 'undefined') {
    throw new KerasFormatError('no DecompressionStream in this environment: pass an inflateRaw function');
  }
  // The archive bytes are never a SharedArrayBuffer view, which is all the cast rules out.
  const stream = new Blob([compressed as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
