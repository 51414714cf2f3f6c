import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { Pool2DParams } from '../../src/kernels/backend.js';
import { poolCaseArb, poolCaseParams, withSeed, type PoolCase as SharedPoolCase } from '../helpers/window-params.js';
import { arg, describeWebGpu, distinctValues, expectClose, runBoth, seededValues, sizeOfShape } from '../helpers/webgpu.js';
import { propertyRuns } from '../../src/testing/runs.js';

type PoolCase = SharedPoolCase & { seed: number };

const params = poolCaseParams;

/** Overlapping windows or not; channel counts on and off the 4-wide paths. */
const poolArb: fc.Arbitrary<PoolCase> = withSeed(poolCaseArb({ maxHW: 8, C: fc.constantFrom(1, 3, 4, 8) }));

const yShape = (c: PoolCase): number[] => [c.N, params(c).outHeight, params(c).outWidth, c.C];

describeWebGpu('webgpu pooling and resizing kernels', (gpu) => {
  it('maxPool2d and its gradient (first maximum of each window) match the CPU', async () => {
    await fc.assert(
      fc.asyncProperty(poolArb, async (c) => {
        const xs = [c.N, c.H, c.W, c.C];
        const x = arg(xs, distinctValues(sizeOfShape(xs), c.seed));
        const fwd = await runBoth(gpu(), [x], (b, [t]) => b.maxPool2d(t!, params(c)));
        expectClose(fwd.gpu, fwd.cpu, 0, 0, `maxPool2d ${JSON.stringify(c)}`);
        const dy = arg(yShape(c), seededValues(sizeOfShape(yShape(c)), c.seed + 1));
        const bwd = await runBoth(gpu(), [x, dy], (b, [t, g]) => b.maxPool2dBackward(t!, g!, params(c)));
        expectClose(bwd.gpu, bwd.cpu, 1e-6, 1e-6, `maxPool2dBackward ${JSON.stringify(c)}`);
      }),
      { numRuns: propertyRuns(13) },
    );
  });

  it('maxPool2dBackward routes ties to the first maximum in row-major window order', async () => {
    // All-equal input: each window's first cell takes its gradient.
    const p: Pool2DParams = { window: [2, 2], strides: [1, 1], pad: { top: 0, bottom: 0, left: 0, right: 0 }, outHeight: 2, outWidth: 2 };
    const r = await runBoth(gpu(), [arg([1, 3, 3, 1], new Float32Array(9).fill(1)), arg([1, 2, 2, 1], new Float32Array([1, 2, 3, 4]))], (b, [x, dy]) =>
      b.maxPool2dBackward(x!, dy!, p),
    );
    expect(Array.from(r.gpu)).toEqual([1, 2, 0, 3, 4, 0, 0, 0, 0]);
    expectClose(r.gpu, r.cpu, 0, 0, 'ties');
  });

  it('avgPool2d and its gradient (padding excluded from the count) match the CPU', async () => {
    await fc.assert(
      fc.asyncProperty(poolArb, async (c) => {
        const xs = [c.N, c.H, c.W, c.C];
        const x = arg(xs, seededValues(sizeOfShape(xs), c.seed));
        const fwd = await runBoth(gpu(), [x], (b, [t]) => b.avgPool2d(t!, params(c)));
        expectClose(fwd.gpu, fwd.cpu, 1e-6, 1e-5, `avgPool2d ${JSON.stringify(c)}`);
        const dy = arg(yShape(c), seededValues(sizeOfShape(yShape(c)), c.seed + 1));
        const bwd = await runBoth(gpu(), [dy], (b, [g]) => b.avgPool2dBackward(g!, xs, params(c)));
        expectClose(bwd.gpu, bwd.cpu, 1e-6, 1e-5, `avgPool2dBackward ${JSON.stringify(c)}`);
      }),
      { numRuns: propertyRuns(13) },
    );
  });

  it('resizeBilinear and its gradient match the CPU when shrinking and enlarging', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          N: fc.integer({ min: 1, max: 2 }),
          H: fc.integer({ min: 1, max: 9 }),
          W: fc.integer({ min: 1, max: 9 }),
          C: fc.constantFrom(1, 2, 4),
          outH: fc.integer({ min: 1, max: 20 }),
          outW: fc.integer({ min: 1, max: 20 }),
          seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        }),
        async (c) => {
          const xs = [c.N, c.H, c.W, c.C];
          const x = arg(xs, seededValues(sizeOfShape(xs), c.seed));
          const fwd = await runBoth(gpu(), [x], (b, [t]) => b.resizeBilinear(t!, c.outH, c.outW));
          expectClose(fwd.gpu, fwd.cpu, 2e-6, 1e-5, `resizeBilinear ${JSON.stringify(c)}`);
          const ys = [c.N, c.outH, c.outW, c.C];
          const dy = arg(ys, seededValues(sizeOfShape(ys), c.seed + 1));
          const bwd = await runBoth(gpu(), [dy], (b, [g]) => b.resizeBilinearBackward(g!, xs));
          // Each input cell sums up to ~(4·out/in)² weighted terms.
          const terms = Math.ceil((2 * c.outH) / c.H + 2) * Math.ceil((2 * c.outW) / c.W + 2);
          expectClose(bwd.gpu, bwd.cpu, 1e-6 * terms, 1e-5, `resizeBilinearBackward ${JSON.stringify(c)}`);
        },
      ),
      { numRuns: propertyRuns(13) },
    );
  });

  it('upsamples a Grad-CAM-sized map (7×7 → 224×224) and back', async () => {
    const x = arg([1, 7, 7, 1], seededValues(49, 3));
    const fwd = await runBoth(gpu(), [x], (b, [t]) => b.resizeBilinear(t!, 224, 224));
    expectClose(fwd.gpu, fwd.cpu, 2e-6, 1e-5, 'resize 7→224');
    const dy = arg([1, 224, 224, 1], seededValues(224 * 224, 4));
    const bwd = await runBoth(gpu(), [dy], (b, [g]) => b.resizeBilinearBackward(g!, [1, 7, 7, 1]));
    expectClose(bwd.gpu, bwd.cpu, 1e-4, 1e-5, 'resize backward 224→7');
  });

  it('rejects inconsistent pooling parameters naming the kernel', () => {
    const g = gpu();
    const x = { storage: g.upload(new Float32Array(16), 'float32'), shape: [1, 4, 4, 1], dtype: 'float32' as const };
    const p: Pool2DParams = { window: [2, 2], strides: [2, 2], pad: { top: 0, bottom: 0, left: 0, right: 0 }, outHeight: 3, outWidth: 2 };
    expect(() => g.maxPool2d(x, p)).toThrow(/webgpu\.maxPool2d x \[1,4,4,1\].*expected 2×2/);
    expect(() => g.avgPool2dBackward(x, [1, 8, 8, 2], { ...p, outHeight: 4, outWidth: 4 })).toThrow(/webgpu\.avgPool2dBackward.*dy must be/);
    g.free(x.storage, 'float32', 16);
  });
});
