/**
 * Datasets: where the raw bytes of an n-dimensional array are and how to view them. Only
 * uncompressed data in contiguous or compact layout is read; chunked, filtered, external or
 * virtual storage is rejected with the dataset's path in the message, never misread.
 */
import { Cursor, type FileContext } from './cursor.js';
import { parseDataspace, type Dataspace } from './dataspace.js';
import { describeDatatype, parseDatatype, type Datatype } from './datatype.js';
import { Hdf5Error } from './errors.js';
import { MessageFlag, MessageType, messageCursor, type ObjectHeader } from './object-header.js';

export type DataLayout =
  | { readonly kind: 'contiguous'; readonly address: number | null; readonly size: number | null }
  | { readonly kind: 'compact'; readonly start: number; readonly size: number }
  | { readonly kind: 'chunked' | 'virtual' };

export interface DatasetInfo {
  readonly datatype: Datatype;
  readonly dataspace: Dataspace;
  readonly layout: DataLayout;
  /** Why the data cannot be read (filters, external storage, shared datatype), if it cannot. */
  readonly unsupported: string | null;
}

function parseDataLayout(c: Cursor): DataLayout {
  const version = c.u8('data layout version');
  if (version === 1 || version === 2) {
    const rank = c.u8('layout dimensionality');
    const cls = c.u8('layout class');
    c.skip(5);
    if (cls === 0) {
      c.skip(rank * 4, 'layout dimensions');
      const size = c.u32('compact data size');
      const start = c.position;
      c.skip(size, 'compact data');
      return { kind: 'compact', start, size };
    }
    const address = c.address('data address');
    if (cls === 1) return { kind: 'contiguous', address, size: null };
    if (cls === 2) return { kind: 'chunked' };
    return c.fail(`unknown layout class ${cls}`);
  }
  if (version === 3 || version === 4) {
    const cls = c.u8('layout class');
    if (cls === 0) {
      const size = c.u16('compact data size');
      const start = c.position;
      c.skip(size, 'compact data');
      return { kind: 'compact', start, size };
    }
    if (cls === 1) {
      const address = c.address('data address');
      const size = c.length('contiguous data size');
      return { kind: 'contiguous', address, size };
    }
    if (cls === 2) return { kind: 'chunked' };
    if (cls === 3 && version === 4) return { kind: 'virtual' };
    return c.fail(`unknown layout class ${cls}`);
  }
  return c.fail(`unsupported data layout version ${version}`);
}

/** Dataset description from its object header, or `null` if the object is not a dataset. */
export function readDatasetInfo(ctx: FileContext, header: ObjectHeader, path: string): DatasetInfo | null {
  const what = `dataset "${path}"`;
  let datatype: Datatype | null = null;
  let dataspace: Dataspace | null = null;
  let layout: DataLayout | null = null;
  let unsupported: string | null = null;
  for (const m of header.messages) {
    switch (m.type) {
      case MessageType.datatype:
        if (m.flags & MessageFlag.shared) unsupported = 'it uses a shared (committed) datatype';
        else datatype = parseDatatype(messageCursor(ctx, m, `${what}: datatype message`));
        break;
      case MessageType.dataspace:
        if (m.flags & MessageFlag.shared) unsupported = 'it uses a shared dataspace';
        else dataspace = parseDataspace(messageCursor(ctx, m, `${what}: dataspace message`));
        break;
      case MessageType.dataLayout:
        layout = parseDataLayout(messageCursor(ctx, m, `${what}: data layout message`));
        break;
      case MessageType.filterPipeline:
        unsupported = 'it is filtered (compressed or shuffled)';
        break;
      case MessageType.externalFiles:
        unsupported = 'its data is stored in external files';
        break;
    }
  }
  if (layout === null) return null;
  if (datatype === null && unsupported === null) {
    throw new Hdf5Error(`${ctx.sourceName}: ${what} has a data layout but no datatype message (corrupt file)`, { objectPath: path });
  }
  if (dataspace === null && unsupported === null) {
    throw new Hdf5Error(`${ctx.sourceName}: ${what} has a data layout but no dataspace message (corrupt file)`, { objectPath: path });
  }
  if (dataspace !== null) checkDimensions(ctx, dataspace, datatype, layout, path);
  if (layout.kind === 'chunked') unsupported ??= 'it uses chunked storage';
  if (layout.kind === 'virtual') unsupported ??= 'it is a virtual dataset';
  return {
    datatype: datatype ?? { kind: 'other', size: 0, className: 'unknown' },
    dataspace: dataspace ?? { kind: 'null', shape: [], size: 0 },
    layout,
    unsupported,
  };
}

/**
 * No dataset can hold more bytes than the file, and one with an empty axis has no data: a size
 * beyond the file, or a dimension of 0 beside stored bytes, is damage, reported with the dataset's path when it is first seen
 * (so `inspect` shows it) rather than passed on as an empty or impossible tensor.
 */
function checkDimensions(ctx: FileContext, space: Dataspace, type: Datatype | null, layout: DataLayout, path: string): void {
  const fail = (why: string): never => {
    throw new Hdf5Error(`${ctx.sourceName}: dataset "${path}" has shape [${space.shape.join(', ')}]: ${why} (corrupt file)`, { objectPath: path });
  };
  const stored = layout.kind === 'compact' || (layout.kind === 'contiguous' && layout.address !== null);
  // An empty dataset is valid HDF5, but then no storage is allocated for it (or none is used).
  // Old layout messages (versions 1 and 2) give no size: an allocated address is the claim.
  const storedBytes = layout.kind === 'compact' || layout.kind === 'contiguous' ? layout.size : 0;
  if (space.kind === 'simple' && space.shape.some((d) => d === 0) && stored && storedBytes !== 0) {
    fail(`a dimension of 0, yet ${storedBytes === null ? 'storage is allocated for its data' : `${storedBytes} bytes of data are stored`}`);
  }
  const bytes = space.size * (type?.size ?? 1);
  if (stored && bytes > ctx.bytes.length) fail(`${bytes} bytes of data, more than the whole file (${ctx.bytes.length} bytes)`);
}

/** Typed arrays this reader can return, keyed by the datatype they view. */
export type NumericArray = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

type TypedArrayConstructor = {
  new (length: number): NumericArray;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): NumericArray;
  readonly BYTES_PER_ELEMENT: number;
};

function arrayConstructorFor(t: Datatype): TypedArrayConstructor | null {
  if (t.kind === 'float' && t.ieee && t.littleEndian) {
    if (t.size === 4) return Float32Array;
    if (t.size === 8) return Float64Array;
  }
  if (t.kind === 'int' && t.littleEndian) {
    if (t.size === 1) return t.signed ? Int8Array : Uint8Array;
    if (t.size === 2) return t.signed ? Int16Array : Uint16Array;
    if (t.size === 4) return t.signed ? Int32Array : Uint32Array;
  }
  return null;
}

/**
 * The dataset's elements as a typed array: a view over the file bytes when the data is
 * suitably aligned, otherwise exactly one copy. Never an element-by-element conversion.
 */
export function readNumericArray(ctx: FileContext, info: DatasetInfo, path: string): NumericArray {
  const reject = (why: string): never => {
    throw new Hdf5Error(`${ctx.sourceName}: cannot read dataset "${path}": ${why}`, { objectPath: path });
  };
  if (info.unsupported !== null) reject(`${info.unsupported}; only uncompressed contiguous or compact datasets are supported`);
  const Ctor = arrayConstructorFor(info.datatype);
  if (Ctor === null) reject(`its datatype is ${describeDatatype(info.datatype)}; only little-endian IEEE floats and 8/16/32-bit integers are supported`);
  const count = info.dataspace.size;
  const byteLength = count * Ctor!.BYTES_PER_ELEMENT;
  let start: number;
  const layout = info.layout;
  if (layout.kind === 'compact') {
    if (layout.size < byteLength) reject(`compact data holds ${layout.size} bytes, ${byteLength} needed`);
    start = layout.start;
  } else if (layout.kind === 'contiguous') {
    if (layout.size !== null && layout.size < byteLength) reject(`storage holds ${layout.size} bytes, ${byteLength} needed`);
    if (layout.address === null) {
      if (count === 0) return new Ctor!(0);
      return reject('no storage has been allocated for its data');
    }
    start = ctx.baseAddress + layout.address;
  } else {
    return reject(`unsupported layout ${layout.kind}`);
  }
  // Bounds check through a cursor so a truncated file gives a clear error.
  new Cursor(ctx, start, start + byteLength, `data of dataset "${path}"`);
  if (layout.kind === 'contiguous') {
    const inside = ctx.structures.overlapping(start, start + byteLength);
    if (inside !== undefined) reject(`its data (bytes ${start}..${start + byteLength}) overlaps ${inside} (corrupt file)`);
  }
  const absolute = ctx.bytes.byteOffset + start;
  if (absolute % Ctor!.BYTES_PER_ELEMENT === 0) return new Ctor!(ctx.bytes.buffer, absolute, count);
  const copy = new Ctor!(count);
  new Uint8Array(copy.buffer).set(ctx.bytes.subarray(start, start + byteLength));
  return copy;
}
