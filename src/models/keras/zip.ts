/**
 * A small ZIP reader for `.keras` archives: it parses the central directory (ZIP64 included)
 * and hands out entries, stored ones as views and deflated ones through an injected inflater
 * (node:zlib in Node, DecompressionStream in browsers), so this file stays platform-free.
 */
import { formatBytes, LIMIT_VARIABLES, resolveLimits, type InputLimits } from '../../io/limits.js';
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

/**
 * An entry name for a message: quoted, with control characters and line separators escaped,
 * since a damaged name may hold a newline and errors must stay on one line.
 */
export function quote(name: string): string {
  return `"${name.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029"\\]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

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
    if (flags & 0x01) r.fail(`entry ${quote(name)} is encrypted`);
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
    // Names are only ever compared with the few Keras expects, never joined to a path, so a
    // hostile "../x" is harmless; but two entries of one name would make "which one" arbitrary.
    if (entries.some((x) => x.name === name)) r.fail(`duplicate entry ${quote(name)} (the archive is ambiguous)`);
    entries.push({ name, method, crc32: crc, compressedSize, uncompressedSize, localHeaderOffset });
    p = extraEnd + commentLength;
  }
  checkNoOverlap(r, entries, dirOffset);
  return entries;
}

/**
 * Entries' local headers and data must lie one after another before the central directory:
 * overlapping entries (one compressed stream shared by many names) are how the worst zip bombs
 * multiply their output, and no writer produces them.
 */
function checkNoOverlap(r: Reader, entries: readonly ZipEntry[], dirOffset: number): void {
  const sorted = [...entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  let previousEnd = 0;
  let previousName = '';
  for (const e of sorted) {
    if (e.localHeaderOffset < previousEnd) r.fail(`entry ${quote(e.name)} overlaps entry ${quote(previousName)}`);
    const nameLength = r.u16(e.localHeaderOffset + 26, `local name length of ${quote(e.name)}`);
    const extraLength = r.u16(e.localHeaderOffset + 28, `local extra length of ${quote(e.name)}`);
    previousEnd = e.localHeaderOffset + 30 + nameLength + extraLength + e.compressedSize;
    previousName = e.name;
    if (previousEnd > dirOffset) r.fail(`data of entry ${quote(e.name)} runs into the central directory`);
  }
}

/**
 * A raw-deflate decompressor. `uncompressedSize` is the entry's declared size, already checked
 * against the limits: an inflater should fail as soon as its output would exceed it (node:zlib's
 * `maxOutputLength`, or `inflateRawWithStreams`), since the output is checked only afterwards.
 */
export type InflateRaw = (compressed: Uint8Array, uncompressedSize: number) => Uint8Array | Promise<Uint8Array>;

/** The raw (still compressed, for deflated entries) bytes of an entry: a view, no copy. */
export function entryData(bytes: Uint8Array, entry: ZipEntry, what = '<zip>'): Uint8Array {
  const r = new Reader(bytes, what);
  const p = entry.localHeaderOffset;
  if (r.u32(p, 'local header') !== LOCAL) r.fail(`bad local header for ${quote(entry.name)}`);
  const method = r.u16(p + 8, 'local compression method');
  const nameLength = r.u16(p + 26, 'local name length');
  const extraLength = r.u16(p + 28, 'local extra length');
  // The local header must describe the same entry as the directory: a mismatch is damage (or
  // an attempt to show one file to this reader and another to other tools).
  const localName = utf8.decode(r.slice(p + 30, nameLength, 'local entry name'));
  if (localName !== entry.name) r.fail(`entry ${quote(entry.name)} has local header name ${quote(localName)}`);
  if (method !== entry.method) r.fail(`entry ${quote(entry.name)} has compression method ${entry.method} in the directory, ${method} locally`);
  return r.slice(p + 30 + nameLength + extraLength, entry.compressedSize, `data of ${quote(entry.name)}`);
}

/** Refuses an entry whose declared size is over the limit, before anything is inflated. */
function checkDeclaredSize(entry: ZipEntry, limits: InputLimits, what: string): void {
  if (entry.uncompressedSize > limits.maxInflatedBytes) {
    throw new KerasFormatError(
      `${what}: ${quote(entry.name)} declares ${formatBytes(entry.uncompressedSize)}, over the limit of ${formatBytes(limits.maxInflatedBytes)} (${LIMIT_VARIABLES.maxInflatedBytes} raises it)`,
    );
  }
}

function checkEntry(entry: ZipEntry, data: Uint8Array, what: string): Uint8Array {
  if (data.length !== entry.uncompressedSize) {
    throw new KerasFormatError(`${what}: ${quote(entry.name)} unpacks to ${data.length} bytes, expected ${entry.uncompressedSize}`);
  }
  // Every entry, whatever its size: about 0.3 s per 100 MB, small beside building the model.
  if (crc32(data) !== entry.crc32) {
    throw new KerasFormatError(`${what}: ${quote(entry.name)} fails its CRC-32 check (corrupt archive)`);
  }
  return data;
}

/** One line: the inflater's own reason (bad data, or more output than declared) and the entry. */
function inflateError(entry: ZipEntry, what: string, cause: unknown): KerasFormatError {
  const reason = (cause instanceof Error ? cause.message : String(cause)).split('\n')[0];
  return new KerasFormatError(`${what}: cannot inflate ${quote(entry.name)} (corrupt archive, or more than its declared ${entry.uncompressedSize} bytes: ${reason})`, { cause });
}

function unsupportedMethod(entry: ZipEntry, what: string): never {
  throw new KerasFormatError(`${what}: ${quote(entry.name)} uses compression method ${entry.method}; only stored (0) and deflate (8) are supported`);
}

/** An entry's uncompressed bytes, inflating with a synchronous inflater. */
export function extractEntrySync(
  bytes: Uint8Array,
  entry: ZipEntry,
  inflateRaw: (d: Uint8Array, size: number) => Uint8Array,
  what = '<zip>',
  limits: InputLimits = resolveLimits(),
): Uint8Array {
  checkDeclaredSize(entry, limits, what);
  const raw = entryData(bytes, entry, what);
  if (entry.method === 0) return checkEntry(entry, raw, what);
  if (entry.method !== 8) unsupportedMethod(entry, what);
  let out: Uint8Array;
  try {
    out = inflateRaw(raw, entry.uncompressedSize);
  } catch (cause) {
    throw inflateError(entry, what, cause);
  }
  return checkEntry(entry, out, what);
}

/** An entry's uncompressed bytes, with a synchronous or asynchronous inflater. */
export async function extractEntry(
  bytes: Uint8Array,
  entry: ZipEntry,
  inflateRaw: InflateRaw,
  what = '<zip>',
  limits: InputLimits = resolveLimits(),
): Promise<Uint8Array> {
  checkDeclaredSize(entry, limits, what);
  const raw = entryData(bytes, entry, what);
  if (entry.method === 0) return checkEntry(entry, raw, what);
  if (entry.method !== 8) unsupportedMethod(entry, what);
  let out: Uint8Array;
  try {
    out = await inflateRaw(raw, entry.uncompressedSize);
  } catch (cause) {
    throw inflateError(entry, what, cause);
  }
  return checkEntry(entry, out, what);
}

/**
 * Inflater for browsers and Node 20+: the standard DecompressionStream('deflate-raw'), read
 * chunk by chunk and cancelled as soon as the output passes `maxBytes` (the declared size), so
 * a bomb costs at most that much memory and the time to produce it.
 */
export async function inflateRawWithStreams(compressed: Uint8Array, maxBytes = Number.POSITIVE_INFINITY): Promise<Uint8Array> {
  if (typeof DecompressionStream === 'undefined') {
    throw new KerasFormatError('no DecompressionStream in this environment: pass an inflateRaw function');
  }
  // The archive bytes are never a SharedArrayBuffer view, which is all the cast rules out.
  const stream = new Blob([compressed as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new Error(`inflated data exceeds its declared ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
