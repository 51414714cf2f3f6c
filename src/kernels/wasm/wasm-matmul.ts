/**
 * The backend's batched matmul over the generated kernels: C[t] = op(A[t]) · op(B[t]), a batch of
 * 1 broadcasting. The register-blocked kernel (kernels/matmul.ts) reads row-major A [M, K] and
 * B [K, N]; a transposed operand is first transposed into a scratch block (strided loads in the
 * kernel would cost more than the copy on every k step). The exception is a transposed B under a
 * few rows of A (a dense layer's input gradient, dy · Wᵀ): the dot-product kernel
 * (kernels/matmul-nt.ts) reads B as stored, streaming the weights once instead of copying them.
 * A product of at most 4 rows (a dense layer's forward pass at small batch) streams B row by row
 * (kernels/matmul-rows.ts) instead of down column strips.
 * Each batch is one `parallelFor`, over rows of C (or its columns for the dot-product kernel), so
 * a thread pool splits the work.
 */
import { formatShape, type Shape } from '../../tensor/shape.js';
import { transpose as transposeInto } from '../cpu/layout.js';
import type { WasmFeatures } from './features.js';
import type { KernelRunner, ScratchAllocator } from './kernel-runner.js';
import { matmulKernelModule } from './kernels/matmul.js';
import { matmulNTKernelModule } from './kernels/matmul-nt.js';
import { matmulRowsKernelModule } from './kernels/matmul-rows.js';
import { isSharedMemory } from './memory-import.js';

/** Up to this many rows of A, a transposed B is read as stored (dot products) rather than copied. */
export const DOT_PRODUCT_MAX_ROWS = 16;
/** Up to this many rows of A, B streams row by row (kernels/matmul-rows.ts) instead of by column strips. */
export const STREAM_ROWS_MAX = 4;

export interface MatmulOperand {
  address: number;
  shape: Shape;
}

/** [batch, M, N] of the product, checked; the op has validated already, this names a misuse. */
export function matmulShape(a: Shape, b: Shape, transposeA: boolean, transposeB: boolean): [number, number, number] {
  if (a.length !== 3 || b.length !== 3) throw new Error(`wasm.matmul: operands must be rank 3, got ${formatShape(a)} and ${formatShape(b)}`);
  const M = transposeA ? a[2]! : a[1]!;
  const K = transposeA ? a[1]! : a[2]!;
  const Kb = transposeB ? b[2]! : b[1]!;
  const N = transposeB ? b[1]! : b[2]!;
  if (K !== Kb || (a[0] !== b[0] && a[0] !== 1 && b[0] !== 1)) {
    throw new Error(`wasm.matmul: ${formatShape(a)}${transposeA ? 'ᵀ' : ''} × ${formatShape(b)}${transposeB ? 'ᵀ' : ''} do not fit`);
  }
  return [Math.max(a[0]!, b[0]!), M, N];
}

/** Writes the product into the block at `out` (batch·M·N floats). */
export function matmulInto(
  runner: KernelRunner, scratch: ScratchAllocator, features: WasmFeatures,
  a: MatmulOperand, b: MatmulOperand, transposeA: boolean, transposeB: boolean, out: number,
): void {
  const [batch, M, N] = matmulShape(a.shape, b.shape, transposeA, transposeB);
  const K = transposeA ? a.shape[1]! : a.shape[2]!;
  if (batch * M * N === 0) return;
  const temps: number[] = [];
  /** The operand as row-major [batch, rows, cols], transposing a stored [batch, cols, rows] into scratch. */
  const rowMajor = (t: MatmulOperand, transposed: boolean): number => {
    if (!transposed) return t.address;
    const [nb, r, c] = t.shape as [number, number, number];
    const size = nb * r * c;
    const at = scratch.alloc(size * 4);
    temps.push(at);
    // Views after the allocation: growing the memory replaces its buffer.
    const buf = runner.memory.buffer;
    transposeInto(new Float32Array(buf, t.address, size), t.shape, [0, 2, 1], 'float32', new Float32Array(buf, at, size));
    return at;
  };
  try {
    const aAt = rowMajor(a, transposeA);
    const aStride = a.shape[0] === 1 ? 0 : M * K * 4;
    const bStride = b.shape[0] === 1 ? 0 : K * N * 4;
    if (transposeB && M <= DOT_PRODUCT_MAX_ROWS) {
      const fma = features.relaxedSimd;
      const kernel = runner.load(`matmulNT:${fma ? 'fma' : 'muladd'}`, matmulNTKernelModule(fma, runner.memory));
      for (let t = 0; t < batch; t++) {
        runner.parallelFor(kernel, 'matmulNT', [aAt + t * aStride, b.address + t * bStride, out + t * M * N * 4, M, K, N], N, 16);
      }
      return;
    }
    const bAt = rowMajor(b, transposeB);
    if (M <= STREAM_ROWS_MAX) {
      const fma = features.relaxedSimd;
      const kernel = runner.load(`matmulRows:${fma ? 'fma' : 'muladd'}`, matmulRowsKernelModule(fma, runner.memory));
      for (let t = 0; t < batch; t++) {
        runner.parallelFor(kernel, 'matmulRows', [aAt + t * aStride, bAt + t * bStride, out + t * M * N * 4, M, K, N], N, 256);
      }
      return;
    }
    const kernel = runner.load(
      `matmul:${features.relaxedSimd ? 'fma' : 'muladd'}`,
      matmulKernelModule({ fma: features.relaxedSimd }, isSharedMemory(runner.memory)),
    );
    for (let t = 0; t < batch; t++) {
      runner.parallelFor(kernel, 'matmul', [aAt + t * aStride, bAt + t * bStride, out + t * M * N * 4, K, N], M);
    }
  } finally {
    for (const at of temps) scratch.free(at);
  }
}
