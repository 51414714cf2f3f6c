/**
 * 1×1 convolutions with stride 1, dilation 1 and no padding are plain matrix products: x viewed
 * as [N·H·W, Cin] times the filter [Cin, Cout] (forward), dy [N·H·W, Cout] times the filter
 * transposed (input gradient). They run on the register-blocked matmul kernel (kernels/matmul.ts)
 * over column panels of the packed filter, ~34–42 GFLOP/s a core on ResNet50's 1×1 shapes
 * against the indirect implicit GEMM's ~30 (whose table of row pointers buys nothing for a 1×1
 * filter; docs/benchmarks.md). The matmul kernel has no epilogue, so the forward pass's bias and
 * ReLU are one SIMD pass over the output rows (generated here), split over threads like the product.
 * The filter gradient (xᵀ·dy) still takes the implicit GEMM's filter-gradient kernel: here it
 * would need the large x transposed.
 */
import { ModuleBuilder, type Local } from '../module-builder.js';
import { isSharedMemory, memoryImportFor } from '../memory-import.js';
import type { WasmFeatures } from '../features.js';
import type { KernelRunner, ScratchAllocator } from '../kernel-runner.js';
import { matmulKernelModule } from '../kernels/matmul.js';
import type { ConvGeometry } from './geometry.js';

/**
 * Floats of B per column panel (128 KiB): the matmul kernel walks all of its B for every 2 rows of
 * A, so a filter larger than the cache (ResNet's 1024×256 is 1 MiB) made it memory-bound and
 * slower than the implicit GEMM; panels of this size stay in a core's L2 across all rows.
 */
export const pointwiseLimits = { panelFloats: 32768 };

/** Whether the convolution is a plain GEMM (1×1, stride 1, dilation 1, no padding). */
export function isPointwise(g: ConvGeometry): boolean {
  return g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.dh === 1 && g.dw === 1
    && g.top === 0 && g.left === 0 && g.outH === g.inH && g.outW === g.inW;
}

/** Columns per panel for K rows: a multiple of 16 (the kernel's block), at least 16. */
export function panelWidth(K: number, N: number): number {
  return Math.min(N, Math.max(16, Math.floor(pointwiseLimits.panelFloats / Math.max(1, K) / 16) * 16));
}

/**
 * C [M, N] = A [M, K] · B, B being [K, N] as stored at `b`, or (transposedB) stored [N, K]. B is
 * copied into column panels of panelWidth columns, each [K, w] row-major and contiguous, and
 * each panel's columns of C are one call of the kernel over rows of C (split over threads).
 */
export function pointwiseGemm(
  runner: KernelRunner, scratch: ScratchAllocator, features: WasmFeatures,
  a: number, M: number, K: number, b: number, N: number, transposedB: boolean, out: number,
): void {
  if (M * N === 0) return;
  const kernel = runner.load(`matmul:${features.relaxedSimd ? 'fma' : 'muladd'}`,
    matmulKernelModule({ fma: features.relaxedSimd }, isSharedMemory(runner.memory)));
  const W = panelWidth(K, N);
  const packed = scratch.alloc(Math.max(16, K * N * 4));
  try {
    // Views after the allocation: growing the memory replaces its buffer.
    const src = new Float32Array(runner.memory.buffer, b, K * N);
    const dst = new Float32Array(runner.memory.buffer, packed, K * N);
    for (let j0 = 0; j0 < N; j0 += W) {
      const w = Math.min(W, N - j0);
      const base = j0 * K; // the panels before hold j0 columns of K rows
      for (let k = 0; k < K; k++) {
        const d = base + k * w;
        if (transposedB) for (let c = 0; c < w; c++) dst[d + c] = src[(j0 + c) * K + k]!;
        else dst.set(src.subarray(k * N + j0, k * N + j0 + w), d);
      }
    }
    for (let j0 = 0; j0 < N; j0 += W) {
      const w = Math.min(W, N - j0);
      runner.parallelFor(kernel, 'matmulStrided', [a, packed + j0 * K * 4, out + j0 * 4, K, w, N], M);
    }
  } finally {
    scratch.free(packed);
  }
}

/**
 * `epilogue(out, bias, N, start, end)`: rows [start, end) of out ([rows, N]) become
 * relu?(out + bias?) in place; whole vectors of 4 columns, then the last N mod 4 one by one.
 */
export function epilogueModule(bias: boolean, relu: boolean, memory: WebAssembly.Memory): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder().importMemory(memoryImportFor(memory));
  m.addFunction(['i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => {
    const [out, b, N, start, end] = [0, 1, 2, 3, 4].map((i) => f.param(i, 'i32')) as Local<'i32'>[] as [Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>];
    const r = f.local('i32');
    const row = f.local('i32'); // byte address of row r
    const j = f.local('i32'); // byte offset in the row
    const rowBytes = f.local('i32');
    const t = f.local('v128');
    f.get(N).i32Const(2).i32Shl().set(rowBytes);
    f.get(start).set(r);
    f.forRange(r, end, 1, () => {
      f.get(out).get(r).get(rowBytes).i32Mul().i32Add().set(row);
      f.i32Const(0).set(j);
      // Whole vectors: j + 16 ≤ rowBytes.
      f.forRange(j, rowBytes, 16, () => {
        f.get(row).get(j).i32Add();
        f.get(row).get(j).i32Add().v128Load();
        if (bias) f.get(b).get(j).i32Add().v128Load().f32x4Add();
        // x & ~(x < 0), as the elementwise relu: negative lanes become +0, NaN passes.
        if (relu) f.tee(t).get(t).f32x4Const([0, 0, 0, 0]).f32x4Lt().v128AndNot();
        f.v128Store();
      }, 16);
      f.forRange(j, rowBytes, 4, () => {
        f.get(row).get(j).i32Add();
        f.get(row).get(j).i32Add().f32Load();
        if (bias) f.get(b).get(j).i32Add().f32Load().f32Add();
        if (relu) f.f32Const(0).f32Max();
        f.f32Store();
      });
    });
  }, 'epilogue');
  return m.build();
}
