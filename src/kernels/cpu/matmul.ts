/**
 * Batched matrix product C[b] = op(A[b]) · op(B[b]) with op = optional transpose and batch
 * broadcasting (a batch of 1 is reused for every batch). Both operands are packed for the 4×4
 * micro-kernel (gemm-microkernel.ts), which also absorbs the transposes. Products with fewer
 * than 4 rows or columns (a dense layer at batch 1, a matrix-vector product) would waste most
 * of a 4×4 block and most of the packing, so they stream B directly instead.
 */
import type { DType, TypedArray } from '../../tensor/dtype.js';
import { formatShape, type Shape } from '../../tensor/shape.js';
import { alloc, type HostArray } from './cpu-storage.js';
import { microKernel4x4, packPanels } from './gemm-microkernel.js';

/** Batched A·B (either operand transposed), broadcasting a batch of 1. */
export function matmul(a: HostArray, b: HostArray, transpose: { a: boolean; b: boolean }, dtype: DType): { data: TypedArray; shape: number[] } {
  const { data: aData, shape: aShape } = a;
  const { data: bData, shape: bShape } = b;
  const { a: transposeA, b: transposeB } = transpose;
  if (aShape.length !== 3 || bShape.length !== 3) {
    throw new Error(`cpu.matmul: operands must be rank 3, got ${formatShape(aShape)} and ${formatShape(bShape)}`);
  }
  const [batchA, a1, a2] = aShape as [number, number, number];
  const [batchB, b1, b2] = bShape as [number, number, number];
  const M = transposeA ? a2 : a1;
  const K = transposeA ? a1 : a2;
  const Kb = transposeB ? b2 : b1;
  const N = transposeB ? b1 : b2;
  if (K !== Kb || (batchA !== batchB && batchA !== 1 && batchB !== 1)) {
    throw new Error(
      `cpu.matmul: ${formatShape(aShape)}${transposeA ? 'ᵀ' : ''} × ${formatShape(bShape)}${transposeB ? 'ᵀ' : ''} do not fit`,
    );
  }
  const batch = Math.max(batchA, batchB);
  const out = alloc(dtype, batch * M * N);
  // Element strides of A[m, k] and B[k, n] inside one batch.
  const am = transposeA ? 1 : K;
  const ak = transposeA ? M : 1;
  const bk = transposeB ? 1 : N;
  const bn = transposeB ? K : 1;
  const small = M < 4 || N < 4;
  let packedA: TypedArray | null = null;
  let packedB: TypedArray | null = null;
  for (let t = 0; t < batch; t++) {
    const aBase = batchA === 1 ? 0 : t * M * K;
    const bBase = batchB === 1 ? 0 : t * K * N;
    if (small) {
      streamB(aData, aBase, am, ak, bData, bBase, transposeB, M, K, N, out, t * M * N);
      continue;
    }
    if (packedA === null || batchA > 1) packedA = packPanels(aData, aBase, ak, am, K, M, dtype);
    if (packedB === null || batchB > 1) packedB = packPanels(bData, bBase, bk, bn, K, N, dtype);
    packedProduct(packedA, packedB, M, K, N, out, t * M * N);
  }
  return { data: out, shape: [batch, M, N] };
}

/** C = A·B from packed operands, one 4×4 block at a time. */
function packedProduct(pa: TypedArray, pb: TypedArray, M: number, K: number, N: number, out: TypedArray, outBase: number): void {
  const acc = new Float64Array(16);
  const panels = Math.ceil(N / 4);
  for (let i0 = 0; i0 < M; i0 += 4) {
    const rows = Math.min(4, M - i0);
    const aOff = (i0 / 4) * K * 4;
    for (let p = 0; p < panels; p++) {
      acc.fill(0);
      microKernel4x4(pa, aOff, pb, p * K * 4, K, acc, 0, 4);
      const cols = Math.min(4, N - 4 * p);
      for (let r = 0; r < rows; r++) {
        const o = outBase + (i0 + r) * N + 4 * p;
        for (let c = 0; c < cols; c++) out[o + c] = acc[4 * r + c]!;
      }
    }
  }
}

/**
 * C = A·B for thin products: each row of C accumulates rows of B scaled by one A element
 * (i-k-j order, 4 k at a time), or, when B is transposed, dot products of contiguous rows.
 */
function streamB(
  a: TypedArray, aBase: number, am: number, ak: number,
  b: TypedArray, bBase: number, transposeB: boolean,
  M: number, K: number, N: number, out: TypedArray, outBase: number,
): void {
  const aRow = new Float64Array(K);
  const acc = new Float64Array(N);
  for (let i = 0; i < M; i++) {
    for (let k = 0; k < K; k++) aRow[k] = a[aBase + i * am + k * ak]!;
    if (transposeB) {
      // B[k, n] = b[n*K + k]: a contiguous row of b per output column.
      for (let n = 0; n < N; n++) {
        const o = bBase + n * K;
        let s = 0;
        for (let k = 0; k < K; k++) s += aRow[k]! * b[o + k]!;
        acc[n] = s;
      }
    } else {
      acc.fill(0);
      let k = 0;
      for (; k + 3 < K; k += 4) {
        const v0 = aRow[k]!, v1 = aRow[k + 1]!, v2 = aRow[k + 2]!, v3 = aRow[k + 3]!;
        const r0 = bBase + k * N, r1 = r0 + N, r2 = r1 + N, r3 = r2 + N;
        for (let n = 0; n < N; n++) acc[n]! += v0 * b[r0 + n]! + v1 * b[r1 + n]! + v2 * b[r2 + n]! + v3 * b[r3 + n]!;
      }
      for (; k < K; k++) {
        const v = aRow[k]!;
        const r = bBase + k * N;
        for (let n = 0; n < N; n++) acc[n]! += v * b[r + n]!;
      }
    }
    const o = outBase + i * N;
    for (let n = 0; n < N; n++) out[o + n] = acc[n]!;
  }
}
