/**
 * Large-tensor paths on small shapes: the backend is told that one binding holds only 1 KiB
 * (256 floats), so every operand here is split into several buffers ("chunks"), as VGG19's 411 MB
 * dense kernel is on a device with 128 MiB bindings. The main paths here (element-wise with
 * broadcasting, products, convolutions reading the chunks of one image); every other kernel across
 * chunks in webgpu-chunks.slow.test.ts (each chunk layout compiles kernels of its own, about half
 * a second of CPU each on a fresh llvmpipe).
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { Conv2DParams } from '../../src/kernels/backend.js';
import { arg, describeWebGpu, expectClose, maxAbs, runBoth, seededValues, sizeOfShape, sumTolerance } from '../helpers/webgpu.js';
import { propertyRuns } from '../../src/testing/runs.js';

const CHUNK_BYTES = 1024;

describeWebGpu(
  'webgpu kernels on tensors split across several bindings',
  (gpu) => {
    it('uses the forced chunk size', () => {
      expect(gpu().limits().chunkElems).toBe(CHUNK_BYTES / 4);
    });

    it('upload and read round-trip across chunk boundaries', async () => {
      for (const n of [255, 256, 257, 1000, 1024]) {
        const v = seededValues(n, n);
        const s = gpu().upload(v, 'float32');
        expect((s as { chunks: unknown[] }).chunks.length).toBe(Math.ceil(n / 256));
        expect(Array.from(await gpu().read({ storage: s, shape: [n], dtype: 'float32' }))).toEqual(Array.from(v));
        gpu().free(s, 'float32', n);
      }
    });

    it('elementwise ops with broadcasting read and write across chunks', async () => {
      const a = arg([3, 250], seededValues(750, 1));
      const b = arg([250], seededValues(250, 2));
      const add = await runBoth(gpu(), [a, b], (be, [x, y]) => be.binary('add', x!, y!, [3, 250]));
      expectClose(add.gpu, add.cpu, 1e-6, 1e-6, 'add');
      const col = arg([3, 1], seededValues(3, 3));
      const mul = await runBoth(gpu(), [a, col], (be, [x, y]) => be.binary('mul', x!, y!, [3, 250]));
      expectClose(mul.gpu, mul.cpu, 1e-6, 1e-6, 'mul');
      const cond = arg([3, 250], seededValues(750, 4).map((v) => (v > 0 ? 1 : 0)));
      const w = await runBoth(gpu(), [cond, a, add.gpu.length ? a : b], (be, [c, x, y]) => be.where(c!, x!, y!, [3, 250]));
      expectClose(w.gpu, w.cpu, 0, 0, 'where');
      const e = await runBoth(gpu(), [arg([1001], seededValues(1001, 5))], (be, [x]) => be.unary('exp', x!));
      expectClose(e.gpu, e.cpu, 1e-6, 4e-6, 'exp');
    });

    it('matmul with every operand in several chunks', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 12, max: 24 }),
          fc.integer({ min: 12, max: 24 }),
          fc.constantFrom(16, 23, 28),
          fc.boolean(),
          fc.boolean(),
          async (M, N, K, ta, tb) => {
            const aS = [1, ...(ta ? [K, M] : [M, K])];
            const bS = [1, ...(tb ? [N, K] : [K, N])];
            const a = arg(aS, seededValues(sizeOfShape(aS), M));
            const b = arg(bS, seededValues(sizeOfShape(bS), N));
            const r = await runBoth(gpu(), [a, b], (be, [x, y]) => be.matmul(x!, y!, ta, tb));
            expectClose(r.gpu, r.cpu, sumTolerance(K, 1), 1e-5, `matmul ${M}x${K}x${N} ${ta} ${tb}`);
          },
        ),
        { numRuns: propertyRuns(4) },
      );
    });

    it('convolutions whose single images exceed a binding read the chunks directly', async () => {
      const p: Conv2DParams = { strides: [1, 1], dilations: [1, 1], pad: { top: 1, bottom: 1, left: 1, right: 1 }, outHeight: 10, outWidth: 10 };
      const x = arg([1, 10, 10, 8], seededValues(800, 7));
      const w = arg([3, 3, 8, 8], seededValues(576, 8));
      const bias = arg([8], seededValues(8, 9));
      const dy = arg([1, 10, 10, 8], seededValues(800, 10));
      const tol = sumTolerance(72, maxAbs(x.values) * maxAbs(w.values));
      const fwd = await runBoth(gpu(), [x, w, bias], (b, [tx, tw, tb]) => b.conv2d(tx!, tw!, tb!, p, true));
      expectClose(fwd.gpu, fwd.cpu, tol, 1e-5, 'conv2d');
      const dx = await runBoth(gpu(), [dy, w], (b, [tdy, tw]) => b.conv2dBackpropInput(tdy!, tw!, [1, 10, 10, 8], p));
      expectClose(dx.gpu, dx.cpu, tol, 1e-5, 'conv2dBackpropInput');
      const dw = await runBoth(gpu(), [x, dy], (b, [tx, tdy]) => b.conv2dBackpropFilter(tx!, tdy!, [3, 3, 8, 8], p));
      expectClose(dw.gpu, dw.cpu, sumTolerance(100, 1), 1e-5, 'conv2dBackpropFilter');
    });

    it('refuses a transpose whose rows would need more bindings than the device has, naming the kernel', () => {
      const n = 80 * 80;
      const a = gpu().upload(new Float32Array(n), 'float32');
      // Every output chunk reads input columns spanning all 25 chunks: more than 16 bindings.
      expect(() => gpu().transpose({ storage: a, shape: [80, 80], dtype: 'float32' }, [1, 0])).toThrow(
        /webgpu\.transpose.*maxStorageBuffersPerShaderStage/,
      );
      gpu().free(a, 'float32', n);
    });
  },
  { maxBindingBytesOverride: CHUNK_BYTES },
);
