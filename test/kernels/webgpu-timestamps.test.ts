/**
 * WebGpuBackend.timeKernels: kernels timed by GPU timestamps (gpu-timer.ts). Mesa's llvmpipe has
 * no 'timestamp-query', so there it must refuse clearly; Dawn's Null backend has the feature (it
 * records commands and runs none, so its timestamps are arbitrary): the bookkeeping is checked
 * there — one time per dispatch, in order, across the query set's 256-pair boundary, and timing
 * off again after a failure. On a real GPU the times themselves are checked to be positive.
 */
import { expect, it } from 'vitest';
import type { Conv2DParams, Storage, TensorInfo } from '../../src/kernels/backend.js';
import { createInstrumentedWebGpuBackend } from '../../src/kernels/webgpu/instrumented-backend.js';
import { durationMs } from '../../src/kernels/webgpu/gpu-timer.js';
import type { WebGpuBackend } from '../../src/kernels/webgpu/webgpu-backend.js';
import { describeWebGpu, seededValues } from '../helpers/webgpu.js';

const f32 = (storage: Storage, shape: number[]): TensorInfo => ({ storage, shape, dtype: 'float32' });
const conv: Conv2DParams = { strides: [1, 1], dilations: [1, 1], pad: { top: 1, bottom: 1, left: 1, right: 1 }, outHeight: 8, outWidth: 8 };

/** `n` elementwise ops (each one dispatch) then a convolution; frees what it made. */
function work(b: WebGpuBackend, n: number): void {
  const x = f32(b.upload(seededValues(8 * 8 * 16, 1), 'float32'), [1, 8, 8, 16]);
  const w = f32(b.upload(seededValues(3 * 3 * 16 * 16, 2), 'float32'), [3, 3, 16, 16]);
  let h = x;
  for (let i = 0; i < n; i++) {
    const next = f32(b.unary('neg', h), h.shape as number[]);
    if (h !== x) b.free(h.storage, 'float32', 0);
    h = next;
  }
  const y = b.conv2d(h, w, null, conv, true);
  for (const s of [x.storage, w.storage, y, ...(h !== x ? [h.storage] : [])]) b.free(s, 'float32', 0);
}

it('timestamps become milliseconds, and an end before its beginning is no time at all', () => {
  expect(durationMs(1_000_000n, 3_500_000n)).toBe(2.5);
  expect(durationMs(5n, 5n)).toBe(0);
  expect(durationMs(10n, 9n)).toBeNaN();
});

it("Dawn's Null backend: one time per dispatch, in order, past the query set's 256 pairs; timing stops after a failure", async () => {
  const b = await createInstrumentedWebGpuBackend({ nullDevice: true, kernelProfile: 'gpu' });
  try {
    expect(b.canTimeKernels()).toBe(true);
    const t = await b.timeKernels(() => work(b, 300));
    expect(t.dispatches).toHaveLength(301);
    expect(t.dispatches.slice(0, 300).every((d) => d.kernel === 'webgpu.unary')).toBe(true);
    expect(t.dispatches[300]!.kernel).toBe('webgpu.conv2d');
    expect(t.dispatches[300]!.label).toContain('x [1,8,8,16] filter [3,3,16,16]');
    // The Null backend's timestamps are arbitrary: only the sum's bookkeeping is checked.
    const sum = t.dispatches.reduce((a, d) => a + d.ms, 0);
    if (Number.isFinite(sum)) expect(t.totalMs).toBeCloseTo(sum, 6);

    await expect(b.timeKernels(() => b.timeKernels(() => undefined))).rejects.toThrow(/already being timed/);
    await expect(
      b.timeKernels(() => {
        work(b, 2);
        throw new Error('the work failed');
      }),
    ).rejects.toThrow(/the work failed/);
    // Timing is off again: the next call starts afresh and sees only its own dispatches.
    expect((await b.timeKernels(() => work(b, 1))).dispatches).toHaveLength(2);
  } finally {
    b.dispose();
  }
});

describeWebGpu('webgpu kernel timing', (gpu) => {
  it('times kernels on GPUs with timestamp queries and refuses clearly elsewhere (llvmpipe)', async () => {
    const b = gpu();
    if (!b.canTimeKernels()) {
      await expect(b.timeKernels(() => work(b, 1))).rejects.toThrow(/no 'timestamp-query' feature/);
      return;
    }
    const t = await b.timeKernels(() => work(b, 3));
    expect(t.dispatches.map((d) => d.kernel)).toEqual(['webgpu.unary', 'webgpu.unary', 'webgpu.unary', 'webgpu.conv2d']);
    for (const d of t.dispatches) {
      expect(d.ms).toBeGreaterThan(0);
      expect(d.ms).toBeLessThan(1000);
    }
  });
});
