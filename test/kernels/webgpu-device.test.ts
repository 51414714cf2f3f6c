import { expect, it, vi } from 'vitest';
import type { Backend, Conv2DParams, Pool2DParams, Storage, TensorInfo } from '../../src/kernels/backend.js';
import { createInstrumentedWebGpuBackend } from '../../src/kernels/webgpu/instrumented-backend.js';
import { describeWebGpu, seededValues, validateOnNullDevice } from '../helpers/webgpu.js';

const f32 = (storage: Storage, shape: number[]): TensorInfo => ({ storage, shape, dtype: 'float32' });

/**
 * One forward and backward pass of conv → ReLU → max-pool → dense → sum through the kernels,
 * freeing every intermediate (what the tape does).
 */
async function trainStep(b: Backend, x: TensorInfo, w: TensorInfo, bias: TensorInfo, dense: TensorInfo): Promise<number> {
  const made: Storage[] = [];
  const keep = (s: Storage): Storage => (made.push(s), s);
  const conv: Conv2DParams = { strides: [1, 1], dilations: [1, 1], pad: { top: 1, bottom: 1, left: 1, right: 1 }, outHeight: 8, outWidth: 8 };
  const pool: Pool2DParams = { window: [2, 2], strides: [2, 2], pad: { top: 0, bottom: 0, left: 0, right: 0 }, outHeight: 4, outWidth: 4 };
  const h = f32(keep(b.conv2d(x, w, bias, conv, true)), [2, 8, 8, 8]);
  const p = f32(keep(b.maxPool2d(h, pool)), [2, 4, 4, 8]);
  const logits = f32(keep(b.matmul({ ...p, shape: [1, 2, 128] }, dense, false, false)), [1, 2, 10]);
  const loss = f32(keep(b.reduce('sum', logits, [0, 1, 2])), []);
  const dLogits = f32(keep(b.fill(20, 1, 'float32')), [1, 2, 10]);
  const dDense = keep(b.matmul({ ...p, shape: [1, 2, 128] }, dLogits, true, false));
  const dP = f32(keep(b.matmul(dLogits, dense, false, true)), [2, 4, 4, 8]);
  const dH = f32(keep(b.maxPool2dBackward(h, dP, pool)), [2, 8, 8, 8]);
  const mask = f32(keep(b.unary('step', h)), [2, 8, 8, 8]);
  const dZ = f32(keep(b.binary('mul', dH, mask, [2, 8, 8, 8])), [2, 8, 8, 8]);
  keep(b.conv2dBackpropFilter(x, dZ, [3, 3, 4, 8], conv));
  keep(b.conv2dBackpropInput(dZ, w, [2, 8, 8, 4], conv));
  keep(b.reduce('sum', dZ, [0, 1, 2]));
  void dDense;
  const value = (await b.read(loss))[0]!;
  for (const s of made) b.free(s, 'float32', 0);
  return value;
}

describeWebGpu('webgpu device, memory and errors', (gpu) => {
  it('reports the adapter, API and feature level', () => {
    const info = gpu().info();
    expect(info.name).toBe('webgpu');
    expect(['core', 'compatibility']).toContain(info.featureLevel);
    expect(info.api).toBeTruthy();
    expect(info.adapter).toContain(`via ${info.api!}`);
    expect(typeof info.softwareAdapter).toBe('boolean');
    expect(gpu().supportsFloat64).toBe(false);
  });

  it('reports whether the adapter is software whatever kernel profile is forced', async () => {
    // Benchmarks choose their defaults by it; the profile chooses kernels, not the adapter.
    const forced = await createInstrumentedWebGpuBackend({ kernelProfile: gpu().info().softwareAdapter ? 'gpu' : 'cpu' });
    try {
      expect(forced.info().softwareAdapter).toBe(gpu().info().softwareAdapter);
    } finally {
      forced.dispose();
    }
  });

  // 20 passes: a buffer leaked or pooled anew per pass shows from the second on.
  it('20 forward + backward passes leave live, pooled and created bytes flat', async () => {
    const b = gpu();
    const x = f32(b.upload(seededValues(512, 1), 'float32'), [2, 8, 8, 4]);
    const w = f32(b.upload(seededValues(288, 2), 'float32'), [3, 3, 4, 8]);
    const bias = f32(b.upload(seededValues(8, 3), 'float32'), [8]);
    const dense = f32(b.upload(seededValues(1280, 4), 'float32'), [1, 128, 10]);
    const baseline = b.bytesInUse();
    const first = await trainStep(b, x, w, bias, dense);
    const after1 = b.memoryStats();
    for (let i = 0; i < 19; i++) {
      expect(await trainStep(b, x, w, bias, dense)).toBe(first);
      expect(b.bytesInUse()).toBe(baseline);
    }
    const after20 = b.memoryStats();
    expect(after20.created).toBe(after1.created);
    expect(after20.pooled).toBe(after1.pooled);
    expect(after20.inUse).toBe(after1.inUse);
    for (const t of [x, w, bias, dense]) b.free(t.storage, 'float32', 0);
    expect(b.bytesInUse()).toBe(baseline - (512 + 288 + 8 + 1280) * 4);
  });

  it('with no pool, freed buffers are destroyed after the work using them is submitted', async () => {
    const b = await createInstrumentedWebGpuBackend({ maxPooledBytes: 0, verifyVariants: true });
    try {
      const x = f32(b.upload(seededValues(1000, 9), 'float32'), [1000]);
      let acc = f32(b.fill(1000, 0, 'float32'), [1000]);
      for (let i = 0; i < 10; i++) {
        const next = f32(b.binary('add', acc, x, [1000]), [1000]);
        b.free(acc.storage, 'float32', 1000); // still read by the pending add
        acc = next;
      }
      const got = await b.read(acc);
      const want = seededValues(1000, 9);
      for (let i = 0; i < 1000; i++) expect(got[i]).toBeCloseTo(10 * want[i]!, 4);
      expect(b.memoryStats().pooled).toBe(0);
    } finally {
      b.dispose();
    }
  });

  it('reuses a bind group for the same buffers, each dispatch still reading its own parameters', async () => {
    const b = gpu();
    const dev = b.executor.device;
    const spy = vi.spyOn(dev, 'createBindGroup');
    try {
      // Within one submission: fill 3, double it, free the fill; fill 5 into the same pooled
      // buffer (same bindings: the first fill's bind group) and double that.
      const n = 1000;
      const s1 = b.fill(n, 3, 'float32');
      const s2 = b.binary('add', f32(s1, [n]), f32(s1, [n]), [n]);
      const firstFills = spy.mock.calls.length;
      const chunk = (s1 as { chunks: GPUBuffer[] }).chunks[0];
      b.free(s1, 'float32', n);
      const s3 = b.fill(n, 5, 'float32');
      expect((s3 as { chunks: GPUBuffer[] }).chunks[0]).toBe(chunk);
      const s4 = b.binary('add', f32(s3, [n]), f32(s3, [n]), [n]);
      expect(Array.from(new Set(await b.read(f32(s2, [n]))))).toEqual([6]);
      expect(Array.from(new Set(await b.read(f32(s4, [n]))))).toEqual([10]);
      // The second fill made no bind group; only the second add did (its output is new).
      expect(spy.mock.calls.length).toBe(firstFills + 1);
      // A loop of the same op on the same buffers makes none at all.
      const before = spy.mock.calls.length;
      for (let i = 0; i < 20; i++) b.free(b.binary('add', f32(s3, [n]), f32(s3, [n]), [n]), 'float32', n);
      await b.sync();
      expect(spy.mock.calls.length - before).toBeLessThanOrEqual(1);
      for (const s of [s2, s3, s4]) b.free(s, 'float32', n);
    } finally {
      spy.mockRestore();
    }
  });

  it('a double free and use after free fail with clear errors', () => {
    const b = gpu();
    const s = b.upload(new Float32Array(4), 'float32');
    b.free(s, 'float32', 4);
    expect(() => b.free(s, 'float32', 4)).toThrow(/already been freed/);
    expect(() => b.unary('neg', f32(s, [4]))).toThrow(/webgpu\.unary.*freed/);
  });

  it('a shader that fails to compile is reported naming the kernel, then refused at once', async () => {
    const b = gpu();
    const out = b.executor.alloc(4);
    const broken = {
      kernel: 'test.broken',
      label: 'test.broken [4]',
      variant: 'v',
      operands: [{ name: 'out', storage: out, write: true }],
      params: [] as [string, number][],
      body: () => '@compute @workgroup_size(1) fn main() { out_st(0u, undefined_symbol); }',
      workgroups: [1, 1, 1] as const,
    };
    b.executor.dispatch(broken);
    await expect(b.read(f32(out, [4]))).rejects.toThrow(/test\.broken.*failed to compile.*undefined_symbol/s);
    expect(() => b.executor.dispatch(broken)).toThrow(/test\.broken \[4\].*failed to compile/);
    b.free(out, 'float32', 4);
  });

  it('after the device is lost, kernels throw naming themselves and reads reject instead of hanging', async () => {
    const b = await createInstrumentedWebGpuBackend({ verifyVariants: true });
    const s = b.upload(new Float32Array([1, 2, 3, 4]), 'float32');
    const y = b.unary('exp', f32(s, [4]));
    const pending = b.read(f32(y, [4]));
    b.dispose();
    const outcome = await Promise.race([
      pending.then(
        () => 'resolved',
        () => 'rejected',
      ),
      new Promise((r) => setTimeout(() => r('hung'), 5000)),
    ]);
    expect(outcome).not.toBe('hung');
    await new Promise((r) => setTimeout(r, 20));
    expect(() => b.unary('neg', f32(s, [4]))).toThrow(/webgpu\.unary.*device was lost/);
    await expect(b.read(f32(s, [4]))).rejects.toThrow(/webgpu\.read.*device was lost/);
  });
});

// Each choice compiles its own kernels (Tint, at the core level): four here, one per kind of
// longer K step, flattened K, 128×64 tiles and one buffer; the other four in webgpu-device.slow.test.ts.
it("Dawn's Null backend validates the tiled kernel's longer K steps and flattened K (autotuning candidates) at the core feature level", async () => {
  await validateOnNullDevice(['tiled:32:0:k32', 'tiled:128:0:k16', 'tiled:64:0:anyk', 'tiled:128x64:0:anyk:1buf']);
});

it("Dawn's Null backend (host-overhead benchmark) validates the real-GPU kernels at the core feature level", async () => {
  // The Null backend needs no GPU and no Mesa: it validates and records commands, runs none.
  const b = await createInstrumentedWebGpuBackend({ nullDevice: true, kernelProfile: 'gpu' });
  try {
    expect(b.info()).toMatchObject({ api: 'null', featureLevel: 'core' });
    const x = f32(b.upload(seededValues(2 * 8 * 8 * 16, 1), 'float32'), [2, 8, 8, 16]);
    const w = f32(b.upload(seededValues(3 * 3 * 16 * 16, 2), 'float32'), [3, 3, 16, 16]);
    const bias = f32(b.upload(seededValues(16, 3), 'float32'), [16]);
    const dense = f32(b.upload(seededValues(2048 * 10, 4), 'float32'), [1, 2048, 10]);
    // The tiled convolution, its input gradient, the filter gradient and a thin product: WGSL
    // that must pass Tint's validation at the core level (Mesa runs the compatibility level).
    const conv: Conv2DParams = { strides: [1, 1], dilations: [1, 1], pad: { top: 1, bottom: 1, left: 1, right: 1 }, outHeight: 8, outWidth: 8 };
    const y = f32(b.conv2d(x, w, bias, conv, true), [2, 8, 8, 16]);
    const dx = b.conv2dBackpropInput(y, w, [2, 8, 8, 16], conv);
    const dw = b.conv2dBackpropFilter(x, y, [3, 3, 16, 16], conv);
    const z = b.matmul(f32(dx, [1, 1, 2048]), dense, false, false);
    expect((await b.read(f32(z, [1, 1, 10]))).length).toBe(10);
    expect((await b.read(f32(dw, [3, 3, 16, 16]))).length).toBe(3 * 3 * 16 * 16);
  } finally {
    b.dispose();
  }
});
