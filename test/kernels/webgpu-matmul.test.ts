import fc from 'fast-check';
import { expect, it } from 'vitest';
import { arg, checkMatmul, describeWebGpu, runBoth, seededValues, type MatmulCase } from '../helpers/webgpu.js';
import { propertyRuns } from '../../src/testing/runs.js';

/** Sizes around the 4-wide vector and block edges, batches that broadcast. */
const dim = fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constantFrom(12, 16, 17, 31, 32, 33));
const caseArb: fc.Arbitrary<MatmulCase> = fc
  .record({
    batch: fc.integer({ min: 1, max: 3 }),
    which: fc.constantFrom('both', 'a1', 'b1'),
    M: dim,
    N: dim,
    K: dim,
    transA: fc.boolean(),
    transB: fc.boolean(),
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  })
  .map(({ batch, which, ...c }) => ({ ...c, batchA: which === 'a1' ? 1 : batch, batchB: which === 'b1' ? 1 : batch }));

describeWebGpu('webgpu matmul', (gpu) => {
  it('matches the CPU for every transpose combination, odd sizes and broadcast batches', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, (c) => checkMatmul(gpu(), c)),
      { numRuns: propertyRuns(5) },
    );
  });

  it('splits long K across segments (dense layers at batch 1) and sums them', async () => {
    for (const c of [
      { batchA: 1, batchB: 1, M: 1, N: 40, K: 5000, transA: false, transB: false, seed: 1 },
      { batchA: 1, batchB: 1, M: 2, N: 13, K: 3001, transA: false, transB: true, seed: 2 },
      { batchA: 1, batchB: 1, M: 8, N: 8, K: 4096, transA: true, transB: false, seed: 3 },
    ]) {
      await checkMatmul(gpu(), c);
    }
  });

  // 8-row blocks (M = 2048) and 16-row blocks (M = 4096), without transposes: each combination is a
  // kernel of its own to compile (about a second of CPU each on a fresh llvmpipe); the transposed
  // and ragged ones run in webgpu-matmul.slow.test.ts.
  it('uses taller register blocks on tall outputs', async () => {
    await checkMatmul(gpu(), { batchA: 1, batchB: 1, M: 2048, N: 64, K: 12, transA: false, transB: false, seed: 2048 });
    await checkMatmul(gpu(), { batchA: 1, batchB: 1, M: 4096, N: 64, K: 12, transA: false, transB: false, seed: 4096 });
  });

  it('handles empty operands: K = 0 gives zeros, an empty output gives empty storage', async () => {
    const zeroK = await runBoth(gpu(), [arg([1, 3, 0], new Float32Array(0)), arg([1, 0, 2], new Float32Array(0))], (b, [x, y]) =>
      b.matmul(x!, y!, false, false),
    );
    expect(Array.from(zeroK.gpu)).toEqual([0, 0, 0, 0, 0, 0]);
    const empty = await runBoth(gpu(), [arg([1, 0, 3], new Float32Array(0)), arg([1, 3, 2], seededValues(6, 1))], (b, [x, y]) =>
      b.matmul(x!, y!, false, false),
    );
    expect(empty.gpu.length).toBe(0);
  });

  it('rejects mismatched shapes with an error naming the kernel and shapes', () => {
    const a = gpu().upload(new Float32Array(6), 'float32');
    const b = gpu().upload(new Float32Array(8), 'float32');
    expect(() =>
      gpu().matmul({ storage: a, shape: [1, 2, 3], dtype: 'float32' }, { storage: b, shape: [1, 4, 2], dtype: 'float32' }, false, false),
    ).toThrow(/webgpu\.matmul \[1,2,3\] x \[1,4,2\]: inner dimensions differ/);
    expect(() =>
      gpu().matmul({ storage: a, shape: [2, 3], dtype: 'float32' }, { storage: b, shape: [1, 4, 2], dtype: 'float32' }, false, false),
    ).toThrow(/webgpu\.matmul.*rank 3/);
    gpu().free(a, 'float32', 6);
    gpu().free(b, 'float32', 8);
  });
});

describeWebGpu(
  'webgpu matmul with the kernel shapes used on real GPUs',
  (gpu) => {
    it('matches the CPU (256-invocation workgroups, 8-row blocks, more split-K)', async () => {
      for (const c of [
        { batchA: 2, batchB: 1, M: 33, N: 17, K: 9, transA: false, transB: true, seed: 1 },
        { batchA: 1, batchB: 1, M: 2048, N: 64, K: 20, transA: true, transB: false, seed: 2 },
        { batchA: 1, batchB: 1, M: 1, N: 64, K: 3000, transA: false, transB: false, seed: 3 },
        { batchA: 1, batchB: 3, M: 64, N: 40, K: 1000, transA: false, transB: false, seed: 4 },
      ]) {
        await checkMatmul(gpu(), c);
      }
    });
  },
  { kernelProfile: 'gpu' },
);
