/**
 * The inner kernel behind matmul and the convolutions: a 4×4 block of a matrix product, held in
 * 16 local variables (which V8 keeps in registers or cheap stack slots) while it runs along the
 * shared dimension. Both operands are "packed" first so that every step reads 4 consecutive
 * values from each:
 *
 *   a (4 rows of A, interleaved):   a[aOff + 4k + r] = A[r, k]
 *   b (a panel of 4 columns of B):  b[bOff + 4k + c] = B[k, c]
 *
 * Per step of k that is 8 loads for 16 multiply-adds, against 2 loads and a store per
 * multiply-add for the naive i-k-j loop; measured on a 2-core x86-64 VM with Node 20, about
 * 4 GFLOP/s against 1.3 (see docs/benchmarks.md). Accumulation is in double precision for both
 * dtypes: the packed arrays keep the input dtype (float32 halves the memory traffic) and the
 * products of two float32 values are exact in a double.
 */
import type { DType, TypedArray } from '../../tensor/dtype.js';
import { alloc } from './cpu-storage.js';

/** acc[accOff + r*ldc + c] += Σ_{k < len} a[aOff + 4k + r] · b[bOff + 4k + c], for r, c < 4. */
export function microKernel4x4(
  a: TypedArray, aOff: number, b: TypedArray, bOff: number, len: number,
  acc: Float64Array, accOff: number, ldc: number,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  const end = aOff + 4 * len;
  for (let ai = aOff, bi = bOff; ai < end; ai += 4, bi += 4) {
    const b0 = b[bi]!, b1 = b[bi + 1]!, b2 = b[bi + 2]!, b3 = b[bi + 3]!;
    let v = a[ai]!;
    c00 += v * b0; c01 += v * b1; c02 += v * b2; c03 += v * b3;
    v = a[ai + 1]!;
    c10 += v * b0; c11 += v * b1; c12 += v * b2; c13 += v * b3;
    v = a[ai + 2]!;
    c20 += v * b0; c21 += v * b1; c22 += v * b2; c23 += v * b3;
    v = a[ai + 3]!;
    c30 += v * b0; c31 += v * b1; c32 += v * b2; c33 += v * b3;
  }
  let o = accOff;
  acc[o]! += c00; acc[o + 1]! += c01; acc[o + 2]! += c02; acc[o + 3]! += c03;
  o += ldc;
  acc[o]! += c10; acc[o + 1]! += c11; acc[o + 2]! += c12; acc[o + 3]! += c13;
  o += ldc;
  acc[o]! += c20; acc[o + 1]! += c21; acc[o + 2]! += c22; acc[o + 3]! += c23;
  o += ldc;
  acc[o]! += c30; acc[o + 1]! += c31; acc[o + 2]! += c32; acc[o + 3]! += c33;
}

/**
 * Packs a K×N matrix B into ceil(N/4) panels of K×4 (panel p at offset p·K·4, laid out as the
 * micro-kernel reads it); columns past N are zero. B[k, n] is `src[base + k*kStride + n*nStride]`,
 * so a transposed source is the same call with the strides swapped, and packing the rows of A
 * for the micro-kernel's `a` operand is this call on Aᵀ.
 */
export function packPanels(
  src: TypedArray, base: number, kStride: number, nStride: number, K: number, N: number, dtype: DType,
): TypedArray {
  const panels = Math.ceil(N / 4);
  const out = alloc(dtype, panels * K * 4);
  for (let p = 0; p < panels; p++) {
    const cols = Math.min(4, N - 4 * p);
    const colBase = base + 4 * p * nStride;
    let o = p * K * 4;
    for (let k = 0; k < K; k++, o += 4) {
      const s = colBase + k * kStride;
      for (let c = 0; c < cols; c++) out[o + c] = src[s + c * nStride]!;
    }
  }
  return out;
}
