/**
 * Shared pieces of the CPU kernel tests: a backend, tensor infos built from plain values, value
 * generators, index arithmetic for the naive references and tolerance-aware comparison. Kept
 * deliberately independent of the kernel code (no imports from src/kernels/cpu except the
 * backend under test).
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { Storage, TensorInfo } from '../../src/kernels/backend.js';
import { CpuBackend } from '../../src/kernels/cpu/cpu-backend.js';
import type { DType, TypedArray } from '../../src/tensor/dtype.js';
import type { Shape } from '../../src/tensor/shape.js';

export const backend = new CpuBackend();
export const DTYPES: readonly DType[] = ['float64', 'float32'];

export function sizeOfShape(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Uploads values as a tensor of `shape`. */
export function input(values: ArrayLike<number>, shape: Shape, dtype: DType): TensorInfo {
  const arr = dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values);
  return { storage: backend.upload(arr, dtype), shape, dtype };
}

/** The values of an input as stored (float32 inputs are rounded), for the references. */
export function stored(x: TensorInfo): number[] {
  return Array.from(backend.readSync(x));
}

export function readOut(storage: Storage, shape: Shape, dtype: DType): TypedArray {
  return backend.readSync({ storage, shape, dtype });
}

/** `n` finite doubles in [min, max]. */
export function valuesArb(n: number, min = -2, max = 2): fc.Arbitrary<number[]> {
  return fc.array(fc.double({ min, max, noNaN: true, noDefaultInfinity: true }), { minLength: n, maxLength: n });
}

/** Row-major multi-index of flat index i. */
export function unravel(i: number, shape: Shape): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return idx;
}

/** Flat index of a multi-index. */
export function ravel(idx: readonly number[], shape: Shape): number {
  let i = 0;
  for (let d = 0; d < shape.length; d++) i = i * shape[d]! + idx[d]!;
  return i;
}

/** Expects |got[i] − want[i]| ≤ tol(i) everywhere (NaN matches NaN), naming the first miss. */
export function expectClose(
  got: ArrayLike<number>, want: ArrayLike<number>, tol: number | ((i: number) => number), label = '',
): void {
  expect(got.length, `${label} length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (Number.isNaN(w) || Number.isNaN(g)) {
      if (Number.isNaN(w) !== Number.isNaN(g)) expect.fail(`${label} [${i}]: got ${g}, want ${w}`);
      continue;
    }
    if (g === w) continue;
    const t = typeof tol === 'number' ? tol : tol(i);
    if (!(Math.abs(g - w) <= t)) expect.fail(`${label} [${i}]: got ${g}, want ${w} (|diff| ${Math.abs(g - w)} > ${t})`);
  }
}

/**
 * Tolerance for a sum of `length` products of magnitude at most `scale` whose exact value is
 * `ref`: a few ulps of the result plus rounding that grows with the reduction length (float32
 * at the float32 rate, as a float32-accumulating backend would have), plus the spacing of
 * subnormal numbers, as generated values can be tiny enough to underflow.
 */
export function sumTolerance(dtype: DType, length: number, scale: number, ref: number): number {
  const eps = dtype === 'float64' ? 2 ** -52 : 2 ** -23;
  const tiny = dtype === 'float64' ? 2 ** -1074 : 2 ** -149;
  return eps * (2 * Math.abs(ref) + (length + 1) * scale) + 2 * tiny;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function sumAbsProducts(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! * b[i]!);
  return s;
}

export const maxAbs = (a: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
};
