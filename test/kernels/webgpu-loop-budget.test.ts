/**
 * The adapter's loop budget (GpuExecutor.loopBudget): llvmpipe stops a shader after 65,535 loop
 * iterations and keeps what it wrote, so kernels with shape-dependent loops split their work to
 * stay within the budget, and one that cannot refuses with an error naming the kernel. A small
 * pretend budget (maxLoopIterationsOverride) exercises both on small shapes against the CPU.
 */
import { expect, it } from 'vitest';
import { checkFilterGradient } from '../helpers/conv-check.js';
import type { Conv2DParams, Storage, TensorInfo } from '../../src/kernels/backend.js';
import type { WebGpuBackend } from '../../src/kernels/webgpu/webgpu-backend.js';
import { convParamsOf, poolParamsOf, sameConv3x3 } from '../helpers/window-params.js';
import { arg, cpu, describeWebGpu, expectClose, recordDispatches, runBoth, seededValues, sumTolerance, type Arg } from '../helpers/webgpu.js';

const BUDGET = 200;

/** The loop iterations each dispatch made while `fn` runs declared (undefined: no loops). */
const declaredLoops = async (gpu: WebGpuBackend, fn: () => Promise<void>): Promise<(number | undefined)[]> =>
  (await recordDispatches(gpu, fn)).map((d) => d.loopIterations);

/** `kernel` on the WebGPU backend alone (runBoth without the CPU side); frees what it made. */
async function gpuOnly(g: WebGpuBackend, args: readonly Arg[], kernel: (b: WebGpuBackend, xs: TensorInfo[]) => Storage): Promise<Float32Array> {
  const xs = args.map((x) => ({ storage: g.upload(x.values, 'float32'), shape: x.shape, dtype: 'float32' as const }));
  const out = kernel(g, xs);
  try {
    return (await g.read({ storage: out, shape: [(out as { size: number }).size], dtype: 'float32' })) as Float32Array;
  } finally {
    g.free(out, 'float32', 0);
    for (const x of xs) g.free(x.storage, 'float32', 0);
  }
}

/**
 * The float64 CPU product of the K = 2048 case, computed once for both suites below (128 × 256 ×
 * 2048 multiply-adds in TypeScript); the same inputs each time.
 */
let matmulWant: Float64Array | undefined;
const matmulOracle = async (a: Arg, b: Arg): Promise<Float64Array> => {
  if (!matmulWant) {
    const [ta, tb] = [a, b].map((x) => ({ storage: cpu.upload(Float64Array.from(x.values), 'float64'), shape: x.shape, dtype: 'float64' as const }));
    matmulWant = cpu.matmul(ta!, tb!, false, false) as Float64Array;
  }
  return matmulWant;
};

const conv = (H: number, W: number, k: number): Conv2DParams => convParamsOf({ H, W, kh: k, kw: k, sh: 1, sw: 1, dh: 1, dw: 1 }, [1, 1, 1, 1]);

for (const [name, options] of [
  ['whole buffers', {}],
  ['operands split into 1 MiB bindings', { maxBindingBytesOverride: 2 ** 20 }],
] as const) {
  describeWebGpu(
    `webgpu kernels within a loop budget of ${BUDGET} iterations (${name})`,
    (gpu) => {
      it('the filter gradient over 400 pixels splits its walk and matches the CPU', async () => {
        const x = arg([1, 20, 20, 8], seededValues(3200, 1));
        const dy = arg([1, 20, 20, 8], seededValues(3200, 2));
        const loops = await declaredLoops(gpu(), async () => {
          const r = await runBoth(gpu(), [x, dy], (be, [tx, tdy]) => be.conv2dBackpropFilter(tx!, tdy!, [3, 3, 8, 8], conv(20, 20, 3)));
          expectClose(r.gpu, r.cpu, sumTolerance(400, 1), 1e-5, 'conv2dBackpropFilter');
        });
        expect(loops.some((n) => n !== undefined)).toBe(true);
        expect(Math.max(...loops.map((n) => n ?? 0))).toBeLessThanOrEqual(BUDGET);
      });

      it('a matmul with K = 2048 and enough workgroups to need no split-K splits K and matches the CPU', async () => {
        // 128 × 256 outputs: 16 workgroups, enough that a software adapter (llvmpipe) wants no
        // split-K, so only the budget splits K; B (2 MiB) spans two 1 MiB bindings in the second suite.
        const a = arg([1, 128, 2048], seededValues(128 * 2048, 3));
        const b = arg([1, 2048, 256], seededValues(2048 * 256, 4));
        const loops = await declaredLoops(gpu(), async () => {
          const got = await gpuOnly(gpu(), [a, b], (be, [ta, tb]) => be.matmul(ta!, tb!, false, false));
          expectClose(got, await matmulOracle(a, b), sumTolerance(2048, 1), 1e-5, 'matmul');
        });
        // Unsplit, one invocation would loop 512 times and the dispatch would be refused.
        expect(loops.some((n) => n !== undefined)).toBe(true);
        expect(Math.max(...loops.map((n) => n ?? 0))).toBeLessThanOrEqual(BUDGET);
      });

      it('kernels that cannot split refuse with an error naming the kernel, the count and the budget', () => {
        const g = gpu();
        // A 3×3 convolution over 30 channels (not a multiple of 4): 9 × 30 + 18 iterations.
        const x = { storage: g.upload(new Float32Array(4 * 4 * 30), 'float32'), shape: [1, 4, 4, 30], dtype: 'float32' as const };
        const w = { storage: g.upload(new Float32Array(9 * 30 * 4), 'float32'), shape: [3, 3, 30, 4], dtype: 'float32' as const };
        expect(() => g.conv2d(x, w, null, conv(4, 4, 3), false)).toThrow(/webgpu\.conv2d x \[1,4,4,30\].*288 loop iterations.*\(200;/);
        // Max pooling over 15×15 windows: 15 × 15 + 15 iterations.
        const big = { storage: g.upload(new Float32Array(15 * 15 * 4), 'float32'), shape: [1, 15, 15, 4], dtype: 'float32' as const };
        const pool = poolParamsOf({ H: 15, W: 15, kh: 15, kw: 15, sh: 15, sw: 15 }, [0, 0, 0, 0]);
        expect(() => g.maxPool2d(big, pool)).toThrow(/webgpu\.maxPool2d x \[1,15,15,4\].*240 loop iterations/);
        for (const t of [x, w, big]) g.free(t.storage, 'float32', 0);
      });

      it('small windows stay within the budget and still run', async () => {
        const x = arg([1, 8, 8, 4], seededValues(256, 5));
        const pool = poolParamsOf({ H: 8, W: 8, kh: 2, kw: 2, sh: 2, sw: 2 }, [0, 0, 0, 0]);
        const r = await runBoth(gpu(), [x], (be, [tx]) => be.maxPool2d(tx!, pool));
        expectClose(r.gpu, r.cpu, 0, 0, 'maxPool2d 2×2');
      });
    },
    { maxLoopIterationsOverride: BUDGET, ...options },
  );
}

/**
 * The filter gradient's pixel ranges in its split-buffer paths, within the budget: the small
 * counterpart of webgpu-conv.slow.test.ts's 260×260 images against llvmpipe's own limit. A
 * 20×20 image of 4 channels is 6,400 bytes: 8 KiB bindings hold one image of the batch of 2,
 * 4 KiB bindings less than one (read from its chunks).
 */
for (const [what, bindingBytes, batch] of [
  ['a batch in pieces of one image (8 KiB bindings)', 8192, 2],
  ['an image larger than a binding, read from its chunks (4 KiB bindings)', 4096, 1],
] as const) {
  describeWebGpu(
    `webgpu filter gradient within a loop budget of ${BUDGET} iterations: ${what}`,
    (gpu) => {
      it('splits its walk over 400 pixels per image and matches the CPU', async () => {
        const loops = await declaredLoops(gpu(), () => checkFilterGradient(gpu(), sameConv3x3(batch, 20, 20, 4, 4, 12), what));
        expect(loops.some((n) => n !== undefined)).toBe(true);
        expect(Math.max(...loops.map((n) => n ?? 0))).toBeLessThanOrEqual(BUDGET);
      });
    },
    { maxLoopIterationsOverride: BUDGET, maxBindingBytesOverride: bindingBytes },
  );
}
