/**
 * Element types. float32 is what every backend computes in; float64 exists on the CPU backend
 * only, where it serves as the oracle that every other kernel is checked against.
 */
export type DType = 'float32' | 'float64';

export type TypedArray = Float32Array | Float64Array;

export function arrayFor(dtype: DType, size: number): TypedArray {
  return dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
}

export function toTypedArray(dtype: DType, values: ArrayLike<number>): TypedArray {
  return dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values);
}

export function bytesPerElement(dtype: DType): number {
  return dtype === 'float64' ? 8 : 4;
}

export function isDType(x: unknown): x is DType {
  return x === 'float32' || x === 'float64';
}
