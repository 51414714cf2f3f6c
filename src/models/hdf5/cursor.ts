/**
 * Bounds-checked little-endian reading over the file bytes. Every HDF5 structure is parsed
 * through a Cursor limited to the bytes that structure may occupy, so a truncated file or a
 * corrupted length can only ever produce an Hdf5Error, never an out-of-range read.
 */
import { lookup3 } from './checksum.js';
import { Hdf5Error } from './errors.js';
import type { StructureRanges } from './structures.js';

/** What every parser needs to know about the file: its bytes and its address encoding. */
export interface FileContext {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** Size in bytes of an address ("size of offsets" in the superblock): 2, 4 or 8. */
  readonly offsetSize: number;
  /** Size in bytes of a length ("size of lengths" in the superblock): 2, 4 or 8. */
  readonly lengthSize: number;
  /** Absolute position that relative addresses are counted from (non-zero with a user block). */
  readonly baseAddress: number;
  /** Name of the source for error messages (a file path, or `<buffer>`). */
  readonly sourceName: string;
  /** Structures parsed so far, which data must not overlap. */
  readonly structures: StructureRanges;
}

/** Largest integer a file field may hold and still be used as a JS number. */
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

export class Cursor {
  private pos: number;

  /**
   * @param start absolute byte position where the structure begins
   * @param end absolute byte position one past the last byte the structure may use
   * @param what a description for error messages, e.g. "object header at 0x1f0"
   */
  constructor(
    readonly ctx: FileContext,
    readonly start: number,
    readonly end: number,
    readonly what: string,
  ) {
    if (!Number.isSafeInteger(start) || start < 0 || end > ctx.bytes.length || end < start) {
      throw new Hdf5Error(
        `${ctx.sourceName}: ${what} lies outside the file (bytes ${start}..${end} of ${ctx.bytes.length}; truncated or corrupt file)`,
        { fileOffset: start },
      );
    }
    this.pos = start;
  }

  /** Cursor over `length` bytes at relative file address `address`. */
  static at(ctx: FileContext, address: number, length: number, what: string): Cursor {
    const start = ctx.baseAddress + address;
    return new Cursor(ctx, start, start + length, what);
  }

  /** Cursor from relative file address `address` to the end of the file (size not known yet). */
  static toEnd(ctx: FileContext, address: number, what: string): Cursor {
    const start = ctx.baseAddress + address;
    return new Cursor(ctx, start, ctx.bytes.length, what);
  }

  get position(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  fail(message: string): never {
    throw new Hdf5Error(`${this.ctx.sourceName}: ${this.what}: ${message}`, { fileOffset: this.pos });
  }

  private need(n: number, field: string): void {
    if (n < 0 || this.pos + n > this.end) {
      this.fail(`truncated while reading ${field} (${n} bytes at ${this.pos}, structure ends at ${this.end})`);
    }
  }

  seek(absolute: number): void {
    if (absolute < this.start || absolute > this.end) this.fail(`seek to ${absolute} outside the structure`);
    this.pos = absolute;
  }

  skip(n: number, field = 'reserved bytes'): void {
    this.need(n, field);
    this.pos += n;
  }

  u8(field = 'byte'): number {
    this.need(1, field);
    return this.ctx.bytes[this.pos++]!;
  }

  u16(field = 'uint16'): number {
    this.need(2, field);
    const v = this.ctx.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32(field = 'uint32'): number {
    this.need(4, field);
    const v = this.ctx.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** Little-endian unsigned integer of 1..8 bytes; throws if it exceeds 2^53. */
  uint(size: number, field = 'integer'): number {
    this.need(size, field);
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + this.ctx.bytes[this.pos + i]!;
    if (v > MAX_SAFE) this.fail(`${field} is too large (${size}-byte value above 2^53)`);
    this.pos += size;
    return v;
  }

  /** An address field; `null` for the "undefined address" (all bits set). */
  address(field = 'address'): number | null {
    const size = this.ctx.offsetSize;
    this.need(size, field);
    let allOnes = true;
    for (let i = 0; i < size; i++) {
      if (this.ctx.bytes[this.pos + i] !== 0xff) {
        allOnes = false;
        break;
      }
    }
    if (allOnes) {
      this.pos += size;
      return null;
    }
    return this.uint(size, field);
  }

  /** An address that must be defined. */
  definedAddress(field: string): number {
    const a = this.address(field);
    if (a === null) this.fail(`${field} is undefined`);
    return a;
  }

  length(field = 'length'): number {
    return this.uint(this.ctx.lengthSize, field);
  }

  /** A view (no copy) of the next n bytes. */
  bytes(n: number, field = 'bytes'): Uint8Array {
    this.need(n, field);
    const out = this.ctx.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Checks a 4-byte ASCII signature such as "OHDR". */
  signature(expected: string): void {
    this.need(expected.length, `signature ${expected}`);
    for (let i = 0; i < expected.length; i++) {
      if (this.ctx.bytes[this.pos + i] !== expected.charCodeAt(i)) {
        const got = String.fromCharCode(...this.ctx.bytes.subarray(this.pos, this.pos + expected.length));
        this.fail(`bad signature: expected "${expected}", found ${JSON.stringify(got)}`);
      }
    }
    this.pos += expected.length;
  }

  /**
   * Verifies the lookup3 checksum stored at the current position, computed over the bytes from
   * `from` (absolute) up to here, then moves past it.
   */
  checksum(from: number): void {
    const computed = lookup3(this.ctx.bytes.subarray(from, this.pos));
    const stored = this.u32('checksum');
    if (computed !== stored) {
      this.pos -= 4;
      this.fail(`checksum mismatch (stored 0x${stored.toString(16)}, computed 0x${computed.toString(16)}): corrupt file`);
    }
  }
}

/** Throws the Hdf5Error for a problem found outside any cursor (e.g. a loop between nodes). */
export function fail(ctx: FileContext, what: string, message: string, fileOffset?: number): never {
  throw new Hdf5Error(`${ctx.sourceName}: ${what}: ${message}`, fileOffset === undefined ? {} : { fileOffset });
}

/** Ceil(bits / 8): how many bytes encode a value of that many bits. */
export function bytesForBits(bits: number): number {
  return Math.ceil(bits / 8);
}
