import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { Conv2DParams } from '../../src/kernels/backend.js';
import { convCaseParams, convCaseShapes, type ConvCase as SharedConvCase } from '../helpers/window-params.js';
import { arg, describeWebGpu, expectClose, maxAbs, runBoth, seededValues, sizeOfShape, sumTolerance } from '../helpers/webgpu.js';

type ConvCase = SharedConvCase & { seed: number };


/** Channel counts on and off multiples of 4 (vec4 and scalar paths), strides, dilations, padding. */
const caseArb: fc.Arbitrary<ConvCase> = fc
  .record({
    N: fc.integer({ min: 1, max: 2 }),
    H: fc.integer({ min: 1, max: 9 }),
    W: fc.integer({ min: 1, max: 9 }),
    Cin: fc.constantFrom(1, 3, 4, 5, 8),
    Cout: fc.constantFrom(1, 2, 4, 7, 8, 12),
    kh: fc.integer({ min: 1, max: 3 }),
    kw: fc.integer({ min: 1, max: 3 }),
    sh: fc.integer({ min: 1, max: 3 }),
    sw: fc.integer({ min: 1, max: 2 }),
    dh: fc.integer({ min: 1, max: 2 }),
    dw: fc.integer({ min: 1, max: 2 }),
    pad: fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)),
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  })
  .filter((c) => convCaseParams(c).outHeight >= 1 && convCaseParams(c).outWidth >= 1);

describeWebGpu('webgpu convolution kernels', (gpu) => {
  it('conv2d (with bias and fused ReLU or without) matches the CPU', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, fc.boolean(), fc.boolean(), async (c, withBias, relu) => {
        const s = convCaseShapes(c);
        const x = arg(s.x, seededValues(sizeOfShape(s.x), c.seed));
        const w = arg(s.w, seededValues(sizeOfShape(s.w), c.seed + 1));
        const b = arg([c.Cout], seededValues(c.Cout, c.seed + 2));
        const args = withBias ? [x, w, b] : [x, w];
        const r = await runBoth(gpu(), args, (be, [tx, tw, tb]) => be.conv2d(tx!, tw!, tb ?? null, convCaseParams(c), relu));
        const tol = sumTolerance(c.kh * c.kw * c.Cin, maxAbs(x.values) * maxAbs(w.values));
        expectClose(r.gpu, r.cpu, tol, 1e-5, `conv2d ${JSON.stringify(c)} bias ${withBias} relu ${relu}`);
      }),
      { numRuns: 30 },
    );
  });

  it('conv2dBackpropInput matches the CPU (strided cases gather only the taps that exist)', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const s = convCaseShapes(c);
        const dy = arg(s.y, seededValues(sizeOfShape(s.y), c.seed));
        const w = arg(s.w, seededValues(sizeOfShape(s.w), c.seed + 1));
        const r = await runBoth(gpu(), [dy, w], (be, [tdy, tw]) => be.conv2dBackpropInput(tdy!, tw!, s.x, convCaseParams(c)));
        const tol = sumTolerance(c.kh * c.kw * c.Cout, maxAbs(dy.values) * maxAbs(w.values));
        expectClose(r.gpu, r.cpu, tol, 1e-5, `conv2dBackpropInput ${JSON.stringify(c)}`);
      }),
      { numRuns: 30 },
    );
  });

  it('conv2dBackpropFilter matches the CPU', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const s = convCaseShapes(c);
        const x = arg(s.x, seededValues(sizeOfShape(s.x), c.seed));
        const dy = arg(s.y, seededValues(sizeOfShape(s.y), c.seed + 1));
        const r = await runBoth(gpu(), [x, dy], (be, [tx, tdy]) => be.conv2dBackpropFilter(tx!, tdy!, s.w, convCaseParams(c)));
        const tol = sumTolerance(c.N * s.y[1]! * s.y[2]!, maxAbs(x.values) * maxAbs(dy.values));
        expectClose(r.gpu, r.cpu, tol, 1e-5, `conv2dBackpropFilter ${JSON.stringify(c)}`);
      }),
      { numRuns: 30 },
    );
  });

  it('splits the filter gradient over many pixels into segments (VGG-like block, small batch)', async () => {
    const c: ConvCase = { N: 2, H: 40, W: 40, Cin: 8, Cout: 8, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pad: [1, 1, 1, 1], seed: 9 };
    const s = convCaseShapes(c);
    const x = arg(s.x, seededValues(sizeOfShape(s.x), 1));
    const dy = arg(s.y, seededValues(sizeOfShape(s.y), 2));
    const r = await runBoth(gpu(), [x, dy], (be, [tx, tdy]) => be.conv2dBackpropFilter(tx!, tdy!, s.w, convCaseParams(c)));
    expectClose(r.gpu, r.cpu, sumTolerance(3200, 1), 1e-5, 'conv2dBackpropFilter 2×40×40');
  });

  it('large outputs use taller register blocks (all three passes)', async () => {
    for (const c of [
      { N: 1, H: 64, W: 64, Cin: 4, Cout: 8, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pad: [1, 1, 1, 1], seed: 1 },
      { N: 2, H: 33, W: 31, Cin: 3, Cout: 7, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pad: [1, 1, 1, 1], seed: 2 },
      { N: 1, H: 6, W: 6, Cin: 256, Cout: 8, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pad: [1, 1, 1, 1], seed: 3 },
    ] as ConvCase[]) {
      const s = convCaseShapes(c);
      const x = arg(s.x, seededValues(sizeOfShape(s.x), c.seed));
      const w = arg(s.w, seededValues(sizeOfShape(s.w), c.seed + 1));
      const dy = arg(s.y, seededValues(sizeOfShape(s.y), c.seed + 2));
      const fwd = await runBoth(gpu(), [x, w], (be, [tx, tw]) => be.conv2d(tx!, tw!, null, convCaseParams(c), false));
      expectClose(fwd.gpu, fwd.cpu, sumTolerance(9 * c.Cin, 1), 1e-5, `conv2d ${JSON.stringify(c)}`);
      const dx = await runBoth(gpu(), [dy, w], (be, [tdy, tw]) => be.conv2dBackpropInput(tdy!, tw!, s.x, convCaseParams(c)));
      expectClose(dx.gpu, dx.cpu, sumTolerance(9 * c.Cout, 1), 1e-5, `conv2dBackpropInput ${JSON.stringify(c)}`);
      const dw = await runBoth(gpu(), [x, dy], (be, [tx, tdy]) => be.conv2dBackpropFilter(tx!, tdy!, s.w, convCaseParams(c)));
      expectClose(dw.gpu, dw.cpu, sumTolerance(c.N * c.H * c.W, 1), 1e-5, `conv2dBackpropFilter ${JSON.stringify(c)}`);
    }
  });

  it('the filter gradient over more than 65,535 pixels per invocation matches the CPU', async () => {
    // llvmpipe ends any single shader loop after 65,535 iterations (Mesa's gallivm loop
    // limiter); with enough workgroups to need no split-K, one invocation here walks 67,600
    // pixels, which a flat loop over pixels silently cut short (VGG block1 at batch 2).
    const c: ConvCase = { N: 1, H: 260, W: 260, Cin: 32, Cout: 4, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pad: [1, 1, 1, 1], seed: 11 };
    const s = convCaseShapes(c);
    const x = arg(s.x, seededValues(sizeOfShape(s.x), 1));
    const dy = arg(s.y, seededValues(sizeOfShape(s.y), 2));
    const r = await runBoth(gpu(), [x, dy], (be, [tx, tdy]) => be.conv2dBackpropFilter(tx!, tdy!, s.w, convCaseParams(c)));
    expectClose(r.gpu, r.cpu, sumTolerance(260 * 260, 1), 1e-5, 'conv2dBackpropFilter 260×260');
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
        { N: 2, H: 40, W: 40, Cin: 8, Cout: 12, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pad: [1, 1, 1, 1], seed: 1 },
        { N: 1, H: 9, W: 7, Cin: 3, Cout: 5, kh: 3, kw: 2, sh: 2, sw: 1, dh: 1, dw: 2, pad: [1, 0, 2, 1], seed: 2 },
        // VGG's first layer in small: 3 input channels (narrow workgroups, one row per invocation).
        { N: 1, H: 48, W: 40, Cin: 3, Cout: 16, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pad: [1, 1, 1, 1], seed: 3 },
      ] as ConvCase[]) {
        const s = convCaseShapes(c);
        const x = arg(s.x, seededValues(sizeOfShape(s.x), c.seed));
        const w = arg(s.w, seededValues(sizeOfShape(s.w), c.seed + 1));
        const b = arg([c.Cout], seededValues(c.Cout, c.seed + 3));
        const dy = arg(s.y, seededValues(sizeOfShape(s.y), c.seed + 2));
        const fwd = await runBoth(gpu(), [x, w, b], (be, [tx, tw, tb]) => be.conv2d(tx!, tw!, tb!, convCaseParams(c), true));
        expectClose(fwd.gpu, fwd.cpu, sumTolerance(9 * c.Cin, 1), 1e-5, 'conv2d');
        const dx = await runBoth(gpu(), [dy, w], (be, [tdy, tw]) => be.conv2dBackpropInput(tdy!, tw!, s.x, convCaseParams(c)));
        expectClose(dx.gpu, dx.cpu, sumTolerance(9 * c.Cout, 1), 1e-5, 'conv2dBackpropInput');
        const dw = await runBoth(gpu(), [x, dy], (be, [tx, tdy]) => be.conv2dBackpropFilter(tx!, tdy!, s.w, convCaseParams(c)));
        expectClose(dw.gpu, dw.cpu, sumTolerance(c.N * c.H * c.W, 1), 1e-5, 'conv2dBackpropFilter');
      }
    });
  },
  { kernelProfile: 'gpu' },
);

/** The filter gradient's pixel ranges (llvmpipe's loop limit) in its split-buffer paths. */
for (const [what, bindingBytes, batch] of [
  ['a batch in pieces of one image, each over 65,000 pixels (2 MiB bindings)', 2 * 2 ** 20, 2],
  ['an image larger than a binding, read from its chunks (512 KiB bindings)', 2 ** 19, 1],
] as const) {
  describeWebGpu(`webgpu filter gradient: ${what}`, (gpu) => {
    it('matches the CPU', async () => {
      const c: ConvCase = { N: batch, H: 260, W: 260, Cin: 4, Cout: 4, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pad: [1, 1, 1, 1], seed: 12 };
      const s = convCaseShapes(c);
      const x = arg(s.x, seededValues(sizeOfShape(s.x), 1));
      const dy = arg(s.y, seededValues(sizeOfShape(s.y), 2));
      const r = await runBoth(gpu(), [x, dy], (be, [tx, tdy]) => be.conv2dBackpropFilter(tx!, tdy!, s.w, convCaseParams(c)));
      expectClose(r.gpu, r.cpu, sumTolerance(batch * 260 * 260, 1), 1e-5, `conv2dBackpropFilter ${what}`);
    });
  }, { maxBindingBytesOverride: bindingBytes });
}
