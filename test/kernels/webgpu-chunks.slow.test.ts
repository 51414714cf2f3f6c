/**
 * Slow tier (STIELTJES_TESTS=all): the kernels across chunks that webgpu-chunks.test.ts leaves out
 * of the default tier. Large-tensor paths on small shapes: the backend is told that one binding
 * holds only 1 KiB (256 floats), so every operand here is split into several buffers ("chunks"), as VGG19's 411 MB
 * dense kernel is on a device with 128 MiB bindings.
 */
import { expect, it } from 'vitest';
import type { Conv2DParams, Pool2DParams } from '../../src/kernels/backend.js';
import { arg, describeWebGpu, distinctValues, expectClose, runBoth, seededValues, sizeOfShape, sumTolerance } from '../helpers/webgpu.js';

const CHUNK_BYTES = 1024;

describeWebGpu(
  'webgpu kernels on tensors split across several bindings (every other kernel)',
  (gpu) => {
    it('layout kernels and reductions cross chunks', async () => {
      const x = arg([6, 10, 13], seededValues(780, 6));
      const checks: [string, Parameters<typeof runBoth>[2]][] = [
        ['transpose', (b, [t]) => b.transpose(t!, [2, 0, 1])],
        ['slice', (b, [t]) => b.slice(t!, [1, 2, 3], [5, 7, 9])],
        ['pad', (b, [t]) => b.pad(t!, [[1, 0], [0, 2], [1, 1]], 0.25)],
        ['broadcastTo', (b, [t]) => b.broadcastTo(t!, [6, 10, 13])],
        ['concat', (b, [t]) => b.concat([t!, t!], 1)],
        ['sum rows', (b, [t]) => b.reduce('sum', t!, [2])],
        ['sum cols', (b, [t]) => b.reduce('sum', t!, [0])],
        ['max scattered', (b, [t]) => b.reduce('max', t!, [0, 2])],
      ];
      for (const [name, k] of checks) {
        const r = await runBoth(gpu(), [x], k);
        expectClose(r.gpu, r.cpu, 1e-5, 1e-5, name);
      }
    });

    it('dense layers at batch 1 with a weight in dozens of chunks (forward and input gradient)', async () => {
      const a = arg([1, 1, 1500], seededValues(1500, 1));
      const w = arg([1, 1500, 8], seededValues(12000, 2));
      const fwd = await runBoth(gpu(), [a, w], (be, [x, y]) => be.matmul(x!, y!, false, false));
      expectClose(fwd.gpu, fwd.cpu, sumTolerance(1500, 1), 1e-5, 'dense forward');
      const dy = arg([1, 1, 8], seededValues(8, 3));
      const dx = await runBoth(gpu(), [dy, w], (be, [x, y]) => be.matmul(x!, y!, false, true));
      expectClose(dx.gpu, dx.cpu, sumTolerance(8, 1), 1e-5, 'dense input gradient');
      const dw = await runBoth(gpu(), [a, dy], (be, [x, y]) => be.matmul(x!, y!, true, false));
      expectClose(dw.gpu, dw.cpu, 1e-6, 1e-5, 'dense weight gradient');
    });

    it('batched matmul with broadcasting in pieces', async () => {
      const a = arg([3, 20, 30], seededValues(1800, 4));
      const b = arg([1, 30, 17], seededValues(510, 5));
      const r = await runBoth(gpu(), [a, b], (be, [x, y]) => be.matmul(x!, y!, false, false));
      expectClose(r.gpu, r.cpu, sumTolerance(30, 1), 1e-5, 'batched');
    });

    it('matmul with output rows longer than a binding (pieces along N that add up over K)', async () => {
      const a = arg([1, 3, 20], seededValues(60, 6));
      const b = arg([1, 20, 300], seededValues(6000, 7));
      const r = await runBoth(gpu(), [a, b], (be, [x, y]) => be.matmul(x!, y!, false, false));
      expectClose(r.gpu, r.cpu, sumTolerance(20, 1), 1e-5, 'wide');
    });

    it('convolutions over a batch of images split into pieces of whole images', async () => {
      const p: Conv2DParams = { strides: [1, 1], dilations: [1, 1], pad: { top: 1, bottom: 1, left: 1, right: 1 }, outHeight: 6, outWidth: 6 };
      const x = arg([5, 6, 6, 4], seededValues(720, 13));
      const w = arg([3, 3, 4, 4], seededValues(144, 14));
      const bias = arg([4], seededValues(4, 15));
      const dy = arg([5, 6, 6, 4], seededValues(720, 16));
      const tol = sumTolerance(36, 1);
      const fwd = await runBoth(gpu(), [x, w, bias], (b, [tx, tw, tb]) => b.conv2d(tx!, tw!, tb!, p, false));
      expectClose(fwd.gpu, fwd.cpu, tol, 1e-5, 'conv2d');
      const dx = await runBoth(gpu(), [dy, w], (b, [tdy, tw]) => b.conv2dBackpropInput(tdy!, tw!, [5, 6, 6, 4], p));
      expectClose(dx.gpu, dx.cpu, tol, 1e-5, 'conv2dBackpropInput');
      const dw = await runBoth(gpu(), [x, dy], (b, [tx, tdy]) => b.conv2dBackpropFilter(tx!, tdy!, [3, 3, 4, 4], p));
      expectClose(dw.gpu, dw.cpu, sumTolerance(180, 1), 1e-5, 'conv2dBackpropFilter');
    });

    it('pooling and resizing with chunked tensors', async () => {
      const p: Pool2DParams = { window: [2, 2], strides: [2, 2], pad: { top: 0, bottom: 0, left: 0, right: 0 }, outHeight: 5, outWidth: 5 };
      const x = arg([2, 10, 10, 4], distinctValues(800, 11));
      const dy = arg([2, 5, 5, 4], seededValues(200, 12));
      const checks: [string, Parameters<typeof runBoth>[1], Parameters<typeof runBoth>[2]][] = [
        ['maxPool2d', [x], (b, [t]) => b.maxPool2d(t!, p)],
        ['maxPool2dBackward', [x, dy], (b, [t, g]) => b.maxPool2dBackward(t!, g!, p)],
        ['avgPool2d', [x], (b, [t]) => b.avgPool2d(t!, p)],
        ['avgPool2dBackward', [dy], (b, [g]) => b.avgPool2dBackward(g!, [2, 10, 10, 4], p)],
        ['resizeBilinear', [x], (b, [t]) => b.resizeBilinear(t!, 13, 7)],
        ['resizeBilinearBackward', [x], (b, [g]) => b.resizeBilinearBackward(g!, [2, 5, 5, 4])],
      ];
      for (const [name, args, k] of checks) {
        const r = await runBoth(gpu(), args, k);
        expectClose(r.gpu, r.cpu, 1e-5, 1e-5, name);
      }
    });

    it('elementwise ops over tensors in more chunks than the device has bindings (vec4 and scalar)', async () => {
      for (const n of [5000, 5001]) {
        const a = arg([n], seededValues(n, 20));
        const b = arg([n], seededValues(n, 21));
        const c = arg([n], seededValues(n, 22).map((v) => (v > 0 ? 1 : 0)));
        const r = await runBoth(gpu(), [c, a, b], (be, [x, y, z]) => be.where(x!, y!, z!, [n]));
        expectClose(r.gpu, r.cpu, 0, 0, `where over ${n}`);
        const f = gpu().fill(n, 3, 'float32');
        expect(Array.from(await gpu().read({ storage: f, shape: [n], dtype: 'float32' }))).toEqual(new Array(n).fill(3));
        gpu().free(f, 'float32', n);
      }
    });

    it('depthwise convolution and its gradients read and write across chunks (vec4 and scalar)', async () => {
      for (const [xShape, fShape] of [[[2, 6, 6, 8], [3, 3, 8, 1]], [[1, 10, 10, 3], [3, 3, 3, 2]]] as const) {
        const p: Conv2DParams = { strides: [1, 1], dilations: [1, 1], pad: { top: 1, bottom: 1, left: 1, right: 1 }, outHeight: xShape[1], outWidth: xShape[2] };
        const cm = fShape[2] * fShape[3];
        const yShape = [xShape[0], xShape[1], xShape[2], cm];
        const x = arg(xShape, seededValues(sizeOfShape(xShape), 11));
        const w = arg(fShape, seededValues(sizeOfShape(fShape), 12));
        const bias = arg([cm], seededValues(cm, 13));
        const dy = arg(yShape, seededValues(sizeOfShape(yShape), 14));
        expect(Math.min(sizeOfShape(xShape), sizeOfShape(yShape)), 'x and y span several 256-float chunks').toBeGreaterThan(256);
        const what = `depthwise x ${JSON.stringify(xShape)}`;
        const fwd = await runBoth(gpu(), [x, w, bias], (b, [tx, tw, tb]) => b.depthwiseConv2d(tx!, tw!, tb!, p, false));
        expectClose(fwd.gpu, fwd.cpu, sumTolerance(10, 1), 1e-5, `${what} forward`);
        const dx = await runBoth(gpu(), [dy, w], (b, [tdy, tw]) => b.depthwiseConv2dBackpropInput(tdy!, tw!, xShape, p));
        expectClose(dx.gpu, dx.cpu, sumTolerance(18, 1), 1e-5, `${what} input gradient`);
        const dw = await runBoth(gpu(), [x, dy], (b, [tx, tdy]) => b.depthwiseConv2dBackpropFilter(tx!, tdy!, fShape, p));
        expectClose(dw.gpu, dw.cpu, sumTolerance(100, 1), 1e-5, `${what} filter gradient`);
      }
    });
  },
  { maxBindingBytesOverride: CHUNK_BYTES },
);
