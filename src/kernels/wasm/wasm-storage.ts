/**
 * How a float32 tensor lives on the WebAssembly backend: a block of the backend's one memory
 * (byte address and element count). A size-0 tensor holds no block (address 0, which the
 * allocator never hands out). `released` catches use after free and double frees, and `owner`
 * tells one backend's storage from another's (two backends have two memories).
 */
import type { TensorInfo } from '../backend.js';
import { formatShape, sizeOf } from '../../tensor/shape.js';

export interface WasmStorage {
  /** Byte address in the owner's memory (16-byte aligned; 0 when size is 0). */
  readonly address: number;
  /** float32 elements. */
  readonly size: number;
  /** The backend whose memory holds the block. */
  readonly owner: object;
  released: boolean;
}

/** Narrows the Backend's opaque Storage, failing clearly on foreign, freed or mis-sized storage. */
export function asWasmStorage(op: string, owner: object, s: unknown, shape?: readonly number[]): WasmStorage {
  const w = s as WasmStorage | null;
  const where = shape ? ` input ${formatShape(shape)}` : '';
  if (!w || typeof w !== 'object' || typeof w.address !== 'number' || w.owner === undefined) {
    throw new Error(`wasm.${op}:${where} storage does not belong to the WebAssembly backend (a tensor from another backend?)`);
  }
  if (w.owner !== owner) throw new Error(`wasm.${op}:${where} storage belongs to another WebAssembly backend`);
  if (w.released) throw new Error(`wasm.${op}:${where} storage has already been freed`);
  if (shape && w.size !== sizeOf(shape)) {
    throw new Error(`wasm.${op}: input ${formatShape(shape)} has ${w.size} elements in storage, expected ${sizeOf(shape)}`);
  }
  return w;
}

/** The storage of `x`, checked against its shape. */
export function storageOf(op: string, owner: object, x: TensorInfo): WasmStorage {
  return asWasmStorage(op, owner, x.storage, x.shape);
}
