/**
 * The WebGPU depthwise convolution (kernels/depthwise-conv2d.ts) against the float64 CPU oracle:
 * the vec4 kernels (multiplier 1, channels a multiple of 4) and the scalar ones (multiplier 2, 3
 * channels), with bias and fused ReLU, strides 1 and 2 and TF's asymmetric 'same' padding, and a filter
 * gradient over more output pixels than one segment sums, so that the split-K finish adds several.
 */
import { expect, it } from 'vitest';
import { depthwiseConv2dParams } from '../../src/autograd/primitives/depthwise-conv2d.js';
import { arg, describeWebGpu, expectClose, maxAbs, recordDispatches, runBoth, seededValues, sizeOfShape, sumTolerance } from '../helpers/webgpu.js';

describeWebGpu('webgpu depthwise convolution', (gpu) => {
  const cases = [
    { x: [1, 37, 35, 8], m: 1, stride: 1, variant: 'v1' },
    { x: [2, 47, 46, 3], m: 2, stride: 2, variant: 'v0' },
  ];
  for (const c of cases) {
    it(`x ${JSON.stringify(c.x)} multiplier ${c.m} stride ${c.stride}: forward (bias, ReLU), input and filter gradients`, async () => {
      const [n, , , ch] = c.x as [number, number, number, number];
      const fShape = [3, 3, ch, c.m];
      const p = depthwiseConv2dParams(c.x, fShape, { strides: c.stride, padding: 'same' });
      const yShape = [n, p.outHeight, p.outWidth, ch * c.m];
      const x = arg(c.x, seededValues(sizeOfShape(c.x), 1));
      const f = arg(fShape, seededValues(sizeOfShape(fShape), 2));
      const b = arg([ch * c.m], seededValues(ch * c.m, 3));
      const dy = arg(yShape, seededValues(sizeOfShape(yShape), 4));
      const pixels = n * p.outHeight * p.outWidth;
      expect(pixels, 'more output pixels than one filter-gradient segment (1,024)').toBeGreaterThan(1024);
      let fwd!: Awaited<ReturnType<typeof runBoth>>;
      const seen = await recordDispatches(gpu(), async () => {
        fwd = await runBoth(gpu(), [x, f, b], (be, [tx, tf, tb]) => be.depthwiseConv2d(tx!, tf!, tb!, p, true));
      });
      expect(seen.map((d) => `${d.kernel}:${d.variant}`)).toEqual([`webgpu.depthwiseConv2d:${c.variant}b1r1`]);
      expect(fwd.cpu.some((v) => v === 0) && fwd.cpu.some((v) => v > 0), 'ReLU cuts some outputs and keeps others').toBe(true);
      expectClose(fwd.gpu, fwd.cpu, sumTolerance(10, 1), 1e-5, 'forward');
      const dx = await runBoth(gpu(), [dy, f], (be, [tdy, tf]) => be.depthwiseConv2dBackpropInput(tdy!, tf!, c.x, p));
      expectClose(dx.gpu, dx.cpu, sumTolerance(9 * c.m, 1), 1e-5, 'input gradient');
      const segments = await recordDispatches(gpu(), async () => {
        const dw = await runBoth(gpu(), [x, dy], (be, [tx, tdy]) => be.depthwiseConv2dBackpropFilter(tx!, tdy!, fShape, p));
        expectClose(dw.gpu, dw.cpu, sumTolerance(pixels, maxAbs(dw.cpu) / Math.sqrt(pixels)), 1e-5, 'filter gradient');
      });
      expect(segments.map((d) => d.label.endsWith('(split-K sum)'))).toEqual([false, true]);
      expect(segments[1]!.params).toContainEqual(['S', Math.ceil(pixels / 1024)]);
    });
  }
});
