/**
 * Global heap collections ("GCOL"): where variable-length data (h5py 3 strings) lives. A
 * variable-length element stores (collection address, object index); this resolves it.
 */
import { Cursor, fail, type FileContext } from './cursor.js';

interface HeapObject {
  readonly start: number;
  readonly size: number;
}

export class GlobalHeap {
  /** Parsed collections by address: each is read once, however many strings point into it. */
  private readonly collections = new Map<number, Map<number, HeapObject>>();

  constructor(private readonly ctx: FileContext) {}

  /** The bytes (a view, no copy) of object `index` in the collection at `address`. */
  object(address: number, index: number, what: string): Uint8Array {
    const objects = this.collection(address);
    const obj = objects.get(index);
    if (obj === undefined) {
      fail(this.ctx, what, `global heap collection at ${address} has no object ${index}`);
    }
    return this.ctx.bytes.subarray(obj.start, obj.start + obj.size);
  }

  private collection(address: number): Map<number, HeapObject> {
    const cached = this.collections.get(address);
    if (cached) return cached;
    const ctx = this.ctx;
    const head = Cursor.toEnd(ctx, address, `global heap collection at ${address}`);
    head.signature('GCOL');
    const version = head.u8('global heap version');
    if (version !== 1) head.fail(`unsupported global heap version ${version}`);
    head.skip(3);
    const collectionSize = head.length('collection size');
    const c = Cursor.at(ctx, address, collectionSize, `global heap collection at ${address}`);
    c.seek(head.position);
    const objects = new Map<number, HeapObject>();
    // Each object header is 8 + lengthSize bytes; the loop ends at the free-space object (index
    // 0) or when the collection is used up, so it is bounded by the collection size.
    const objectHeaderSize = 8 + ctx.lengthSize;
    while (c.remaining >= objectHeaderSize) {
      const index = c.u16('heap object index');
      c.skip(2 + 4, 'heap object reference count');
      const size = c.length('heap object size');
      if (index === 0) break; // free space: the rest of the collection is unused
      const start = c.position;
      c.skip(size, `heap object ${index} data`);
      objects.set(index, { start, size });
      const padded = (8 - (size % 8)) % 8;
      c.skip(Math.min(padded, c.remaining));
    }
    this.collections.set(address, objects);
    return objects;
  }
}
