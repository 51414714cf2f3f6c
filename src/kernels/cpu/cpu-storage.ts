/**
 * What a CPU storage is: the typed array itself (Float32Array for float32, Float64Array for
 * float64). Kernels reach it only through `dataOf`, which checks that the storage really is the
 * array its dtype and shape promise, so that a tensor from another backend, or one whose shape
 * was mislabelled, fails with a clear message instead of producing garbage.
 */
import type { TensorInfo } from '../backend.js';
import { arrayFor, type DType, type TypedArray } from '../../tensor/dtype.js';
import { formatShape, sizeOf, type Shape } from '../../tensor/shape.js';

export function isCpuStorage(storage: unknown): storage is TypedArray {
  return storage instanceof Float32Array || storage instanceof Float64Array;
}

/** The typed array behind `x`, checked against its dtype and shape; `op` names the caller. */
export function dataOf(x: TensorInfo, op: string): TypedArray {
  const s = x.storage;
  if (!isCpuStorage(s)) {
    throw new Error(`cpu.${op}: input ${formatShape(x.shape)} is not CPU storage (a tensor from another backend?)`);
  }
  const want = x.dtype === 'float64' ? Float64Array : Float32Array;
  if (!(s instanceof want)) {
    throw new Error(`cpu.${op}: input ${formatShape(x.shape)} is labelled ${x.dtype} but holds a ${s.constructor.name}`);
  }
  if (s.length !== sizeOf(x.shape)) {
    throw new Error(`cpu.${op}: input ${formatShape(x.shape)} has ${s.length} elements in storage, expected ${sizeOf(x.shape)}`);
  }
  return s;
}

/** A kernel operand: the checked array and its shape. */
export interface HostArray {
  data: TypedArray;
  shape: Shape;
}

/** `x` as a kernel operand (its array checked by `dataOf`). */
export function hostOf(x: TensorInfo, op: string): HostArray {
  return { data: dataOf(x, op), shape: x.shape };
}

/** A zeroed output array of `dtype`. */
export function alloc(dtype: DType, size: number): TypedArray {
  return arrayFor(dtype, size);
}
