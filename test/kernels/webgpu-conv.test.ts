import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { Conv2DParams } from '../../src/kernels/backend.js';
import { checkConvPasses, checkFilterGradient } from '../helpers/conv-check.js';
import { convCaseArb, sameConv3x3, withSeed, type ConvCase as SharedConvCase } from '../helpers/window-params.js';
import { arg, describeWebGpu, expectClose, recordDispatches, runBoth } from '../helpers/webgpu.js';
import { propertyRuns } from '../../src/testing/runs.js';

type ConvCase = SharedConvCase & { seed: number };

/** Channel counts on and off multiples of 4 (vec4 and scalar paths), strides, dilations, padding. */
const caseArb: fc.Arbitrary<ConvCase> = withSeed(
  convCaseArb({ maxN: 2, maxHW: 9, Cin: fc.constantFrom(1, 3, 4, 5, 8), Cout: fc.constantFrom(1, 2, 4, 7, 8, 12), maxStride: [3, 2] }),
);

describeWebGpu('webgpu convolution kernels', (gpu) => {
  it('conv2d (with bias and fused ReLU or without) and conv2dBackpropInput match the CPU (strided input gradients gather only the taps that exist)', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, fc.boolean(), fc.boolean(), (c, bias, relu) => checkConvPasses(gpu(), c, { bias, relu, filterGradient: false })),
      // 4 cases (8 in the slow tier): the suites below repeat both passes on other kernel shapes, and
      // each case compiles kernels of its own on a fresh llvmpipe; STIELTJES_PROPERTY_RUNS searches deeper.
      { numRuns: propertyRuns(4) },
    );
  });

  it('conv2dBackpropFilter matches the CPU', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, (c) => checkFilterGradient(gpu(), c, JSON.stringify(c))),
      { numRuns: propertyRuns(5) },
    );
  });

  it('splits the filter gradient over many pixels into segments (VGG-like block, small batch)', async () => {
    await checkFilterGradient(gpu(), sameConv3x3(2, 40, 40, 8, 8, 9), '2×40×40');
  });

  // One large output here; the ragged one and the deep, small one (other block heights, each a
  // kernel of its own to compile) run in webgpu-conv.slow.test.ts.
  it('large outputs use taller register blocks (all three passes)', async () => {
    await checkConvPasses(gpu(), sameConv3x3(1, 64, 64, 4, 8, 1), { bias: false, relu: false, filterGradient: true });
  });

  it('a filter with no input channels gives the bias (through ReLU)', async () => {
    const p: Conv2DParams = { strides: [1, 1], dilations: [1, 1], pad: { top: 0, bottom: 0, left: 0, right: 0 }, outHeight: 2, outWidth: 2 };
    const r = await runBoth(
      gpu(),
      [arg([1, 2, 2, 0], new Float32Array(0)), arg([1, 1, 0, 3], new Float32Array(0)), arg([3], new Float32Array([1, -2, 3]))],
      (be, [x, w, b]) => be.conv2d(x!, w!, b!, p, true),
    );
    expectClose(r.gpu, r.cpu, 0, 0, 'empty conv');
  });

  it('rejects inconsistent shapes with errors naming the kernel', () => {
    const g = gpu();
    const x = { storage: g.upload(new Float32Array(16), 'float32'), shape: [1, 4, 4, 1], dtype: 'float32' as const };
    const w = { storage: g.upload(new Float32Array(18), 'float32'), shape: [3, 3, 2, 1], dtype: 'float32' as const };
    const p: Conv2DParams = { strides: [1, 1], dilations: [1, 1], pad: { top: 0, bottom: 0, left: 0, right: 0 }, outHeight: 2, outWidth: 2 };
    expect(() => g.conv2d(x, w, null, p, false)).toThrow(/webgpu\.conv2d x \[1,4,4,1\] filter \[3,3,2,1\].*input channels/);
    expect(() => g.conv2dBackpropInput(x, w, [1, 4, 4, 2], { ...p, outHeight: 3 })).toThrow(/webgpu\.conv2dBackpropInput/);
    expect(() => g.conv2dBackpropFilter(x, x, [3, 3, 1, 1], p)).toThrow(/webgpu\.conv2dBackpropFilter.*dy must be \[1,2,2,1\]/);
    g.free(x.storage, 'float32', 16);
    g.free(w.storage, 'float32', 18);
  });
});

describeWebGpu(
  'webgpu convolutions with the kernel shapes used on real GPUs',
  (gpu) => {
    it('all three passes match the CPU', async () => {
      for (const c of [
        sameConv3x3(2, 40, 40, 8, 12, 1),
        { N: 1, H: 9, W: 7, Cin: 3, Cout: 5, kh: 3, kw: 2, sh: 2, sw: 1, dh: 1, dw: 2, pad: [1, 0, 2, 1], seed: 2 } as ConvCase,
        // VGG's first layer in small: 3 input channels (narrow workgroups, one row per invocation).
        sameConv3x3(1, 48, 40, 3, 16, 3),
      ]) {
        await checkConvPasses(gpu(), c, { bias: true, relu: true, filterGradient: true });
      }
    });
  },
  { kernelProfile: 'gpu' },
);

/**
 * Split-K over the filter taps in the direct kernel, asked for by a tiled choice that sets a workgroup
 * count to fill (here 1,024): channel counts the tiled kernel does not take (3, 5, 7) on
 * outputs of few workgroups, forward with bias and ReLU (added after the segments' sum) and
 * input gradients with 3 or 5 output columns (the scalar sum).
 */
describeWebGpu(
  'webgpu direct convolution with its taps split',
  (gpu) => {
    const splitArb: fc.Arbitrary<ConvCase> = withSeed(
      convCaseArb({ maxN: 3, maxHW: 7, Cin: fc.constantFrom(3, 5, 7), Cout: fc.constantFrom(3, 5, 8), maxStride: [2, 2] }),
    ).filter((c) => c.kh * c.kw >= 2);
    const isSplit = (v: string): boolean => /^(forward|backpropInput)\|.*s1\|/.test(v);
    it('conv2d and conv2dBackpropInput match the CPU, with the taps split where workgroups are few', async () => {
      let splits = 0;
      let scalarSums = 0;
      const runs = propertyRuns(6);
      await fc.assert(
        fc.asyncProperty(splitArb, fc.boolean(), fc.boolean(), async (c, bias, relu) => {
          const seen = await recordDispatches(gpu(), () => checkConvPasses(gpu(), c, { bias, relu, filterGradient: false }));
          splits += seen.filter((d) => isSplit(d.variant)).length;
          scalarSums += seen.filter((d) => d.variant.startsWith('split-finish') && d.variant.endsWith('v0')).length;
        }),
        { numRuns: runs },
      );
      // Most cases split (two passes each could), and some end in the scalar sum.
      expect(splits).toBeGreaterThan((runs * 2) / 3);
      expect(scalarSums).toBeGreaterThan(runs / 6);
    });
  },
  { kernelProfile: 'gpu', gemm: { family: 'tiled', fillWorkgroups: 1024, splitBelow: 1024 } },
);

describeWebGpu(
  'webgpu direct convolution with its taps split, in a batch dispatched in pieces (6 KiB bindings)',
  (gpu) => {
    it('matches the CPU, the last piece (one image) split into as many segments as one binding holds', async () => {
      // 4 images of 10×10, 3 → 5 channels: pieces of 3 images and 1; 500 outputs per image
      // forward (3 segments fit 1,536 elements), 300 per image for the input gradient (5 segments).
      const c = { ...sameConv3x3(4, 10, 10, 3, 5, 13) };
      const seen = await recordDispatches(gpu(), () => checkConvPasses(gpu(), c, { bias: true, relu: true, filterGradient: false }));
      const convs = seen.filter((d) => /^(forward|backpropInput)\|/.test(d.variant));
      expect(convs.length).toBe(4);
      expect(convs.filter((d) => /s1\|/.test(d.variant)).map((d) => [d.variant.split('|')[0], d.workgroups[2]])).toEqual([
        ['forward', 3],
        ['backpropInput', 5],
      ]);
    });
  },
  { kernelProfile: 'gpu', gemm: { family: 'tiled', fillWorkgroups: 1024, splitBelow: 1024 }, maxBindingBytesOverride: 6144 },
);

// The filter gradient over more than 65,535 pixels per invocation (llvmpipe's own loop limit), whole
// and in split bindings, runs at full size in webgpu-conv.slow.test.ts; webgpu-loop-budget.test.ts
// checks the same splits of the pixel walk on small images under a pretend budget.
