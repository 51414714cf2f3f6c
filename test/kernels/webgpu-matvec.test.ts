/**
 * The products of 1–4 rows that real GPUs run on their own kernels (matvec.ts), forced on the
 * software adapter with kernelProfile 'gpu', against the CPU float64 oracle: both layouts of B,
 * batches folded into rows, split-K, operands spread over several bindings,
 * and K split further to stay within a small loop budget.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { Dispatch } from '../../src/kernels/webgpu/executor.js';
import type { WebGpuBackend } from '../../src/kernels/webgpu/webgpu-backend.js';
import { arg, describeWebGpu, expectClose, maxAbs, recordDispatches, runBoth, seededValues, sizeOfShape, sumTolerance } from '../helpers/webgpu.js';
import { propertyRuns } from '../../src/testing/runs.js';

interface Case {
  /** A [batch, M, K] against one B: batch · M rows. */
  batch: number;
  M: number;
  N: number;
  K: number;
  transB: boolean;
  seed: number;
}

/** Checks the product and returns what was dispatched. */
async function checkDispatches(gpu: WebGpuBackend, c: Case): Promise<Dispatch[]> {
  const aShape = [c.batch, c.M, c.K];
  const bShape = [1, ...(c.transB ? [c.N, c.K] : [c.K, c.N])];
  const a = arg(aShape, seededValues(sizeOfShape(aShape), c.seed));
  const b = arg(bShape, seededValues(sizeOfShape(bShape), c.seed + 1));
  let r: Awaited<ReturnType<typeof runBoth>> | undefined;
  const seen = await recordDispatches(gpu, async () => {
    r = await runBoth(gpu, [a, b], (be, [x, y]) => be.matmul(x!, y!, false, c.transB));
  });
  expectClose(r!.gpu, r!.cpu, sumTolerance(c.K, maxAbs(a.values) * maxAbs(b.values)), 1e-5, `matvec ${JSON.stringify(c)}`);
  return seen;
}

/** Checks the product and returns what was dispatched, as "variant @ label". */
async function check(gpu: WebGpuBackend, c: Case): Promise<string[]> {
  return (await checkDispatches(gpu, c)).map((d) => `${d.variant} @ ${d.label}`);
}

const ranMatvec = (variants: string[], layout: 'rows' | 'dots'): boolean => variants.some((v) => v.startsWith(`matvec|${layout}|`));

/** Row counts 1–4 (as batch × M), the vec4 axis a multiple of 4, lengths across split-K. */
const caseArb: fc.Arbitrary<Case> = fc
  .record({
    rows: fc.constantFrom(
      { batch: 1, M: 1 }, { batch: 1, M: 2 }, { batch: 1, M: 3 }, { batch: 1, M: 4 },
      { batch: 2, M: 1 }, { batch: 2, M: 2 }, { batch: 3, M: 1 }, { batch: 4, M: 1 },
    ),
    n: fc.integer({ min: 1, max: 80 }),
    k: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 200, max: 1500 })),
    transB: fc.boolean(),
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  })
  .map(({ rows, n, k, transB, seed }) => ({ ...rows, N: transB ? n : 4 * n, K: transB ? 4 * k : k, transB, seed }));

describeWebGpu(
  'webgpu products of 1–4 rows (real-GPU kernels)',
  (gpu) => {
    it('match the CPU for both layouts of B, any row count up to 4 and long K', async () => {
      await fc.assert(
        fc.asyncProperty(caseArb, async (c) => {
          const variants = await check(gpu(), c);
          expect(ranMatvec(variants, c.transB ? 'dots' : 'rows'), variants.join('; ')).toBe(true);
        }),
        { numRuns: propertyRuns(6) },
      );
    });

    it('split K into segments and sum them when the columns alone leave workgroups idle', async () => {
      const rows = await check(gpu(), { batch: 1, M: 1, N: 64, K: 4096, transB: false, seed: 1 });
      const dots = await check(gpu(), { batch: 1, M: 2, N: 12, K: 6000, transB: true, seed: 2 });
      for (const v of [rows, dots]) expect(v.some((x) => x.endsWith('(split-K sum)')), v.join('; ')).toBe(true);
    });

    it('leave other shapes to the GEMM kernels: 5 rows, a ragged vec4 axis, a transposed A', async () => {
      for (const c of [
        { batch: 1, M: 5, N: 16, K: 32, transB: false, seed: 3 },
        { batch: 1, M: 1, N: 13, K: 32, transB: false, seed: 4 },
        { batch: 1, M: 1, N: 16, K: 30, transB: true, seed: 5 },
      ]) {
        const v = await check(gpu(), c);
        expect(v.some((x) => x.startsWith('matvec|')), JSON.stringify(c)).toBe(false);
      }
    });
  },
  { kernelProfile: 'gpu' },
);

describeWebGpu(
  'webgpu products of 1–4 rows with operands over several bindings',
  (gpu) => {
    it('read A and B across chunks of 1,024 elements', async () => {
      for (const c of [
        { batch: 1, M: 2, N: 4, K: 900, transB: false, seed: 6 },
        { batch: 2, M: 1, N: 5, K: 600, transB: true, seed: 7 },
      ]) {
        const v = await check(gpu(), c);
        expect(ranMatvec(v, c.transB ? 'dots' : 'rows'), v.join('; ')).toBe(true);
      }
    });
  },
  { kernelProfile: 'gpu', maxBindingBytesOverride: 4096 },
);

describeWebGpu(
  'webgpu products of 1–4 rows within a small loop budget',
  (gpu) => {
    it('cut K into more segments so that no invocation loops past the budget', async () => {
      for (const c of [
        { batch: 1, M: 1, N: 8, K: 3000, transB: false, seed: 8 },
        { batch: 1, M: 3, N: 5, K: 20000, transB: true, seed: 9 },
      ]) {
        const seen = await checkDispatches(gpu(), c);
        const mv = seen.filter((d) => d.variant.startsWith('matvec|'));
        expect(mv.length).toBeGreaterThan(0);
        for (const d of mv) expect(d.loopIterations).toBeLessThanOrEqual(12);
      }
    });
  },
  { kernelProfile: 'gpu', maxLoopIterationsOverride: 12 },
);
