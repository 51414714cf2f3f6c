/**
 * The datatype message: what one element is. The reader decodes the classes Keras files use
 * (IEEE floats, integers, fixed and variable-length strings) and describes the rest only well
 * enough to reject them by name.
 */
import type { Cursor } from './cursor.js';

export type Datatype =
  | { readonly kind: 'float'; readonly size: 2 | 4 | 8; readonly littleEndian: boolean; readonly ieee: boolean }
  | { readonly kind: 'int'; readonly size: number; readonly signed: boolean; readonly littleEndian: boolean }
  | {
      readonly kind: 'string';
      readonly size: number;
      /** 0: NUL-terminated, 1: NUL-padded, 2: space-padded. */
      readonly padding: number;
      readonly utf8: boolean;
    }
  | { readonly kind: 'vlen-string'; readonly size: number; readonly utf8: boolean }
  | { readonly kind: 'vlen-sequence'; readonly size: number; readonly base: Datatype }
  | { readonly kind: 'other'; readonly size: number; readonly className: string };

const CLASS_NAMES = [
  'fixed-point',
  'floating-point',
  'time',
  'string',
  'bitfield',
  'opaque',
  'compound',
  'reference',
  'enumerated',
  'variable-length',
  'array',
];

/** Nesting guard for variable-length base types (a corrupt file could nest forever). */
const MAX_NESTING = 8;

export function parseDatatype(c: Cursor, depth = 0): Datatype {
  if (depth > MAX_NESTING) c.fail('datatype nesting too deep');
  const classAndVersion = c.u8('datatype class and version');
  const cls = classAndVersion & 0x0f;
  const version = classAndVersion >> 4;
  if (version < 1 || version > 5) c.fail(`unsupported datatype version ${version}`);
  const bits0 = c.u8('datatype bit field');
  const bits1 = c.u8('datatype bit field');
  c.u8('datatype bit field');
  const size = c.u32('datatype size');
  switch (cls) {
    case 0: {
      c.u16('fixed-point bit offset');
      c.u16('fixed-point precision');
      if (size < 1 || size > 8) c.fail(`integer datatype of ${size} bytes is not supported`);
      return { kind: 'int', size, signed: (bits0 & 0x08) !== 0, littleEndian: (bits0 & 0x01) === 0 };
    }
    case 1: {
      // Byte order lives in bits 0 and 6 (bit 6 set means VAX order, which no one writes).
      const littleEndian = (bits0 & 0x41) === 0;
      const bitOffset = c.u16('float bit offset');
      const precision = c.u16('float precision');
      const exponentLocation = c.u8('float exponent location');
      const exponentSize = c.u8('float exponent size');
      const mantissaLocation = c.u8('float mantissa location');
      const mantissaSize = c.u8('float mantissa size');
      const exponentBias = c.u32('float exponent bias');
      const signLocation = bits1;
      // Only the standard IEEE 754 layouts can be viewed directly as JS floats.
      const ieee =
        bitOffset === 0 &&
        precision === size * 8 &&
        ((size === 4 && signLocation === 31 && exponentLocation === 23 && exponentSize === 8 &&
          mantissaLocation === 0 && mantissaSize === 23 && exponentBias === 127) ||
          (size === 8 && signLocation === 63 && exponentLocation === 52 && exponentSize === 11 &&
            mantissaLocation === 0 && mantissaSize === 52 && exponentBias === 1023) ||
          (size === 2 && signLocation === 15 && exponentLocation === 10 && exponentSize === 5 &&
            mantissaLocation === 0 && mantissaSize === 10 && exponentBias === 15));
      if (size !== 2 && size !== 4 && size !== 8) return { kind: 'other', size, className: `${size * 8}-bit float` };
      return { kind: 'float', size, littleEndian, ieee };
    }
    case 3:
      return { kind: 'string', size, padding: bits0 & 0x0f, utf8: (bits0 >> 4) === 1 };
    case 9: {
      const vlenType = bits0 & 0x0f;
      const base = parseDatatype(c, depth + 1);
      if (vlenType === 1) return { kind: 'vlen-string', size, utf8: (bits1 & 0x0f) === 1 };
      return { kind: 'vlen-sequence', size, base };
    }
    default:
      // The properties of other classes are not needed: callers reject these types by name.
      return { kind: 'other', size, className: CLASS_NAMES[cls] ?? `class ${cls}` };
  }
}

/** A short human description for error messages, e.g. "big-endian float32". */
export function describeDatatype(t: Datatype): string {
  switch (t.kind) {
    case 'float':
      return `${t.littleEndian ? '' : 'big-endian '}${t.ieee ? '' : 'non-IEEE '}float${t.size * 8}`;
    case 'int':
      return `${t.littleEndian ? '' : 'big-endian '}${t.signed ? 'int' : 'uint'}${t.size * 8}`;
    case 'string':
      return `fixed-length string (${t.size} bytes)`;
    case 'vlen-string':
      return 'variable-length string';
    case 'vlen-sequence':
      return `variable-length sequence of ${describeDatatype(t.base)}`;
    case 'other':
      return t.className;
  }
}
