/**
 * NumPy `.npy` files, bytes in and bytes out (browser-safe: no Node imports).
 *
 * The format (NumPy's `numpy/lib/format.py` documents it):
 *   magic `\x93NUMPY`, major and minor version bytes, the header length (little-endian uint16 in
 *   version 1.0, uint32 in 2.0 and 3.0), then an ASCII (3.0: UTF-8) header holding a Python dict
 *   literal such as `{'descr': '<f4', 'fortran_order': False, 'shape': (224, 224, 3), }`, padded
 *   with spaces and ended by '\n' so that the data starts at a multiple of 64 bytes, then the raw
 *   elements in C (row-major) order.
 *
 * We write version 1.0 (2.0 only if the header would not fit in 65,535 bytes, which takes a shape
 * of thousands of dimensions) and read 1.0, 2.0 and 3.0. Only the dtypes this project meets are
 * supported; anything else is refused with an error that names the file and the dtype rather than
 * misread.
 */

/** The dtypes we read and write, spelled as NumPy's `descr`. */
export type NpyDescr = '<f4' | '<f8' | '|u1' | '<i4';

export type NpyData = Float32Array | Float64Array | Uint8Array | Int32Array;

export interface NpyArray {
  readonly descr: NpyDescr;
  /** C-order shape; `[]` for a 0-d array (one element). */
  readonly shape: readonly number[];
  readonly data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ALIGNMENT = 64;
const PREAMBLE_V1 = MAGIC.length + 2 + 2; // magic, version, uint16 header length
const PREAMBLE_V2 = MAGIC.length + 2 + 4; // magic, version, uint32 header length

const ITEM_SIZE: Record<NpyDescr, number> = { '<f4': 4, '<f8': 8, '|u1': 1, '<i4': 4 };

/** The typed arrays we can write, and the descr each becomes. */
function descrOf(data: NpyData): NpyDescr {
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof Uint8Array) return '|u1';
  if (data instanceof Int32Array) return '<i4';
  throw new Error('encodeNpy: data must be a Float32Array, Float64Array, Uint8Array or Int32Array');
}

/**
 * Typed arrays use the host's byte order, and .npy files as we write and read them are
 * little-endian. Every JavaScript engine in use is little-endian; refuse loudly rather than
 * silently swap bytes on an exotic host.
 */
function assertLittleEndianHost(op: string): void {
  const probe = new Uint8Array(new Uint16Array([1]).buffer);
  if (probe[0] !== 1) throw new Error(`${op}: big-endian hosts are not supported`);
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** Python's repr of a tuple of ints: `()`, `(5,)`, `(2, 3)`. */
function formatShapeTuple(shape: readonly number[]): string {
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

/**
 * Encode `data` (C order) with the given shape as a .npy file. Float32Array becomes '<f4',
 * Float64Array '<f8', Uint8Array '|u1', Int32Array '<i4'. A 0-d array has shape `[]`.
 */
export function encodeNpy(data: NpyData, shape: readonly number[]): Uint8Array {
  assertLittleEndianHost('encodeNpy');
  const descr = descrOf(data);
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new Error(`encodeNpy: invalid shape [${shape.join(', ')}] (dimensions must be non-negative integers)`);
    }
  }
  const count = elementCount(shape);
  if (count !== data.length) {
    throw new Error(`encodeNpy: shape [${shape.join(', ')}] holds ${count} elements but the data has ${data.length}`);
  }

  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${formatShapeTuple(shape)}, }`;
  // The header is dict + spaces + '\n'; the preamble plus header must be a multiple of 64.
  let preamble = PREAMBLE_V1;
  let major = 1;
  let headerLength = roundUp(preamble + dict.length + 1, ALIGNMENT) - preamble;
  if (headerLength > 0xffff) {
    preamble = PREAMBLE_V2;
    major = 2;
    headerLength = roundUp(preamble + dict.length + 1, ALIGNMENT) - preamble;
  }
  const header = dict.padEnd(headerLength - 1, ' ') + '\n';

  const dataBytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(preamble + headerLength + dataBytes.length);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, headerLength, true);
  else view.setUint32(8, headerLength, true);
  for (let i = 0; i < header.length; i++) out[preamble + i] = header.charCodeAt(i);
  out.set(dataBytes, preamble + headerLength);
  return out;
}

function roundUp(n: number, multiple: number): number {
  return Math.ceil(n / multiple) * multiple;
}

/**
 * Decode a .npy file. The data keeps its stored dtype (use {@link npyToFloat32} for a
 * Float32Array whatever it was). `nameForErrors` (a file name) appears in every error.
 */
export function decodeNpy(bytes: Uint8Array, nameForErrors = '.npy data'): NpyArray {
  assertLittleEndianHost('decodeNpy');
  const fail = (why: string): never => {
    throw new Error(`${nameForErrors}: not a readable .npy file: ${why}`);
  };
  if (bytes.length < PREAMBLE_V1 || MAGIC.some((b, i) => bytes[i] !== b)) {
    fail('it does not start with the .npy magic bytes \\x93NUMPY');
  }
  const major = bytes[6]!;
  const minor = bytes[7]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let preamble: number;
  let headerLength: number;
  if (major === 1) {
    preamble = PREAMBLE_V1;
    headerLength = view.getUint16(8, true);
  } else if (major === 2 || major === 3) {
    if (bytes.length < PREAMBLE_V2) fail('the file ends inside the header');
    preamble = PREAMBLE_V2;
    headerLength = view.getUint32(8, true);
  } else {
    return fail(`format version ${major}.${minor} is not supported (1.0, 2.0 and 3.0 are)`);
  }
  const dataStart = preamble + headerLength;
  if (bytes.length < dataStart) fail('the file ends inside the header');
  const headerBytes = bytes.subarray(preamble, dataStart);
  const headerText = major === 3 ? new TextDecoder('utf-8').decode(headerBytes) : latin1(headerBytes);

  let header: ParsedHeader;
  try {
    header = parseHeader(headerText);
  } catch (e) {
    return fail(`its header ${JSON.stringify(headerText.trim())} cannot be parsed: ${(e as Error).message}`);
  }
  if (header.fortranOrder) {
    fail('it is stored in Fortran (column-major) order; save it with np.ascontiguousarray first');
  }
  const descr = checkDescr(header.descr, fail);
  const count = elementCount(header.shape);
  const byteLength = count * ITEM_SIZE[descr];
  const available = bytes.length - dataStart;
  if (available < byteLength) {
    fail(`shape (${header.shape.join(', ')}) of ${descr} needs ${byteLength} data bytes but the file has ${available} (truncated?)`);
  }
  if (available > byteLength) {
    fail(`shape (${header.shape.join(', ')}) of ${descr} needs ${byteLength} data bytes but the file has ${available} (trailing bytes)`);
  }
  // slice() copies, so the typed array is aligned whatever the header length was.
  const raw = bytes.slice(dataStart, dataStart + byteLength).buffer;
  const data =
    descr === '<f4' ? new Float32Array(raw)
    : descr === '<f8' ? new Float64Array(raw)
    : descr === '<i4' ? new Int32Array(raw)
    : new Uint8Array(raw);
  return { descr, shape: header.shape, data };
}

/** The stored values as float32 (float64 is rounded, integers converted exactly). */
export function npyToFloat32(array: NpyArray): Float32Array {
  return array.data instanceof Float32Array ? array.data : Float32Array.from(array.data);
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

/** Accept the descrs we support; explain what is wrong with the others. */
function checkDescr(descr: string, fail: (why: string) => never): NpyDescr {
  // NumPy writes '|u1' for bytes, but '<u1' and '>u1' mean the same thing.
  if (descr === '<u1' || descr === '>u1' || descr === '|u1') return '|u1';
  if (descr === '<f4' || descr === '<f8' || descr === '<i4') return descr;
  if (descr.startsWith('>')) {
    return fail(`dtype '${descr}' is big-endian; convert it with a.astype('<${descr.slice(1)}') first`);
  }
  return fail(`dtype '${descr}' is not supported (supported: '<f4', '<f8', '|u1', '<i4')`);
}

// ---------------------------------------------------------------------------------------------
// The header is a Python dict literal. We parse exactly the subset NumPy writes: string keys,
// and values that are strings, True/False, or tuples of integers (Python 2 wrote `3L`). A
// structured dtype's descr is a list, which the parser rejects as unsupported.

interface ParsedHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

type HeaderValue = string | boolean | number[];

function parseHeader(text: string): ParsedHeader {
  let pos = 0;
  const skipSpace = (): void => {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
  };
  const expect = (ch: string): void => {
    skipSpace();
    if (text[pos] !== ch) throw new Error(`expected '${ch}' at character ${pos}`);
    pos++;
  };
  const peek = (): string | undefined => {
    skipSpace();
    return text[pos];
  };
  const parseString = (): string => {
    const quote = peek();
    if (quote !== "'" && quote !== '"') throw new Error(`expected a string at character ${pos}`);
    const end = text.indexOf(quote, pos + 1);
    if (end < 0) throw new Error('unterminated string');
    const s = text.slice(pos + 1, end);
    pos = end + 1;
    return s;
  };
  const parseValue = (): HeaderValue => {
    const ch = peek();
    if (ch === "'" || ch === '"') return parseString();
    if (text.startsWith('True', pos)) {
      pos += 4;
      return true;
    }
    if (text.startsWith('False', pos)) {
      pos += 5;
      return false;
    }
    if (ch === '(') {
      pos++;
      const dims: number[] = [];
      while (peek() !== ')') {
        const m = /^(\d+)L?/.exec(text.slice(pos));
        if (!m) throw new Error(`expected an integer at character ${pos}`);
        dims.push(Number(m[1]));
        pos += m[0].length;
        if (peek() === ',') pos++;
        else if (peek() !== ')') throw new Error(`expected ',' or ')' at character ${pos}`);
      }
      pos++;
      return dims;
    }
    if (ch === '[') throw new Error('structured dtypes (a list descr) are not supported');
    throw new Error(`unexpected ${JSON.stringify(ch ?? 'end of header')} at character ${pos}`);
  };

  const fields = new Map<string, HeaderValue>();
  expect('{');
  while (peek() !== '}') {
    const key = parseString();
    expect(':');
    fields.set(key, parseValue());
    if (peek() === ',') pos++;
    else if (peek() !== '}') throw new Error(`expected ',' or '}' at character ${pos}`);
  }

  const descr = fields.get('descr');
  const fortranOrder = fields.get('fortran_order');
  const shape = fields.get('shape');
  if (typeof descr !== 'string') throw new Error("missing or non-string 'descr'");
  if (typeof fortranOrder !== 'boolean') throw new Error("missing or non-boolean 'fortran_order'");
  if (!Array.isArray(shape)) throw new Error("missing or non-tuple 'shape'");
  if (shape.some((d) => !Number.isSafeInteger(d))) throw new Error("a 'shape' dimension is too large");
  return { descr, fortranOrder, shape };
}
