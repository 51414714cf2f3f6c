/**
 * Decoding small arrays of elements (attribute values) into JS strings and numbers. Bulk weight
 * data never goes through here: it is viewed as a typed array by dataset.ts.
 */
import { Cursor, type FileContext } from './cursor.js';
import { describeDatatype, type Datatype } from './datatype.js';
import type { GlobalHeap } from './global-heap.js';

const utf8 = new TextDecoder('utf-8');

/** Strips what the writer padded with: trailing NULs (and, for space-padded strings, spaces). */
function decodeString(bytes: Uint8Array, padding: number): string {
  let end = bytes.length;
  if (padding === 0) {
    const nul = bytes.indexOf(0);
    if (nul >= 0) end = nul;
  }
  while (end > 0 && (bytes[end - 1] === 0 || (padding === 2 && bytes[end - 1] === 0x20))) end--;
  return utf8.decode(bytes.subarray(0, end));
}

export function decodeStrings(
  ctx: FileContext,
  heap: GlobalHeap,
  datatype: Datatype,
  start: number,
  count: number,
  what: string,
): string[] {
  const out: string[] = [];
  const c: Cursor = new Cursor(ctx, start, start + count * datatype.size, what);
  if (datatype.kind === 'string') {
    for (let i = 0; i < count; i++) out.push(decodeString(c.bytes(datatype.size, 'string'), datatype.padding));
    return out;
  }
  if (datatype.kind === 'vlen-string') {
    if (datatype.size !== 8 + ctx.offsetSize) c.fail(`variable-length string element of ${datatype.size} bytes`);
    for (let i = 0; i < count; i++) {
      const elementEnd = c.position + datatype.size;
      const length = c.u32('string length');
      const collection = c.address('global heap collection address');
      const index = c.u32('global heap object index');
      c.seek(elementEnd);
      if (length === 0) {
        out.push('');
        continue;
      }
      if (collection === null) c.fail(`string ${i} of ${length} bytes has no global heap address`);
      const bytes = heap.object(collection, index, what);
      if (bytes.length < length) c.fail(`string ${i} claims ${length} bytes, its heap object has ${bytes.length}`);
      out.push(decodeString(bytes.subarray(0, length), 1));
    }
    return out;
  }
  return c.fail(`expected strings, found ${describeDatatype(datatype)}`);
}

export function decodeNumbers(ctx: FileContext, datatype: Datatype, start: number, count: number, what: string): number[] {
  const c = new Cursor(ctx, start, start + count * datatype.size, what);
  const view = ctx.view;
  const out: number[] = [];
  if (datatype.kind === 'float' && datatype.ieee && datatype.size !== 2) {
    for (let i = 0; i < count; i++) {
      const p = start + i * datatype.size;
      out.push(datatype.size === 4 ? view.getFloat32(p, datatype.littleEndian) : view.getFloat64(p, datatype.littleEndian));
    }
    return out;
  }
  if (datatype.kind === 'int') {
    for (let i = 0; i < count; i++) {
      const p = start + i * datatype.size;
      const le = datatype.littleEndian;
      let v: number;
      switch (datatype.size) {
        case 1:
          v = datatype.signed ? view.getInt8(p) : view.getUint8(p);
          break;
        case 2:
          v = datatype.signed ? view.getInt16(p, le) : view.getUint16(p, le);
          break;
        case 4:
          v = datatype.signed ? view.getInt32(p, le) : view.getUint32(p, le);
          break;
        case 8: {
          const big = datatype.signed ? view.getBigInt64(p, le) : view.getBigUint64(p, le);
          if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) {
            c.fail(`integer ${big} does not fit a JS number`);
          }
          v = Number(big);
          break;
        }
        default:
          return c.fail(`${datatype.size}-byte integers are not supported`);
      }
      out.push(v);
    }
    return out;
  }
  return c.fail(`expected numbers, found ${describeDatatype(datatype)}`);
}
