/**
 * WebGpuBackend.profile: every dispatch of the profiled work is listed in order and timed alone
 * on scratch buffers, without touching the work's own results; a failing function leaves
 * profiling off.
 */
import { expect, it } from 'vitest';
import * as op from '../../src/autograd/ops.js';
import { totalsByLabel } from '../../src/kernels/webgpu/dispatch-profiler.js';
import type { GpuStorage } from '../../src/kernels/webgpu/gpu-storage.js';
import { fromArray } from '../../src/tensor/creation.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { cpu, describeWebGpu, expectClose, recordDispatches, seededValues } from '../helpers/webgpu.js';

describeWebGpu('webgpu profile', (gpu) => {
  /** A small network on `backend`: conv + ReLU twice (same shapes), then a dense layer. */
  const net = (backend: typeof cpu | ReturnType<typeof gpu>) => {
    const x = fromArray(seededValues(2 * 9 * 9 * 4, 1), [2, 9, 9, 4], { backend });
    const w = fromArray(seededValues(3 * 3 * 4 * 4, 2), [3, 3, 4, 4], { backend });
    const d = fromArray(seededValues(9 * 9 * 4 * 5, 3), [9 * 9 * 4, 5], { backend });
    const run = (): Tensor => {
      const h = op.conv2d(op.conv2d(x, w, { padding: 'same', activation: 'relu' }), w, { padding: 'same', activation: 'relu' });
      return op.matmul(op.reshape(h, [2, 9 * 9 * 4]), d);
    };
    return { run, dispose: () => [x, w, d].forEach((t) => t.dispose()) };
  };

  it('lists every dispatch in order with a positive time, and times identical ones alike', async () => {
    const g = net(gpu());
    let y: Tensor | undefined;
    let profile: Awaited<ReturnType<ReturnType<typeof gpu>['profile']>> | undefined;
    const seen = await recordDispatches(gpu(), async () => {
      profile = await gpu().profile(() => {
        y = g.run();
      });
    });
    expect(profile!.dispatches.map((d) => d.label)).toEqual(seen.map((d) => d.label));
    for (const d of profile!.dispatches) expect(d.ms).toBeGreaterThan(0);
    expect(profile!.totalMs).toBeCloseTo(profile!.dispatches.reduce((s, d) => s + d.ms, 0), 9);
    // The two convolutions have the same shapes and parameters: timed once, reported twice.
    const convs = profile!.dispatches.filter((d) => d.kernel === 'webgpu.conv2d');
    expect(convs).toHaveLength(2);
    expect(convs[0]!.ms).toBe(convs[1]!.ms);
    const totals = totalsByLabel(profile!);
    expect(totals.find((t) => t.label.startsWith('webgpu.conv2d'))!.count).toBe(2);
    expect(totals.map((t) => t.ms)).toEqual([...totals.map((t) => t.ms)].sort((a, b) => b - a));
    // The replay wrote only scratch buffers: the profiled result is the network's output.
    const c = net(cpu);
    const expected = await c.run().data();
    expectClose(await y!.data(), expected, 1e-3, 1e-4, 'profiled network output');
    y!.dispose();
    g.dispose();
    c.dispose();
  });

  it('never writes into buffers that hold tensors by the time the kernels are timed', async () => {
    // exp writes a buffer that is freed and handed to an upload before the profile ends: timing
    // exp again in place would overwrite the uploaded values.
    const values = seededValues(4096, 5);
    const x = fromArray(seededValues(4096, 6), [4096], { backend: gpu() });
    let u: Tensor | undefined;
    let reused = false;
    await gpu().profile(() => {
      const a = op.exp(x);
      const buffer = (a.storage as GpuStorage).chunks[0];
      a.dispose();
      u = fromArray(values, [4096], { backend: gpu() });
      reused = (u.storage as GpuStorage).chunks[0] === buffer;
    });
    expect(reused).toBe(true);
    expect(Array.from(await u!.data())).toEqual(Array.from(values));
    u!.dispose();
    x.dispose();
  });

  it('passes on the error of a failing function and stops profiling', async () => {
    await expect(
      gpu().profile(() => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const again = await gpu().profile(async () => {
      const t = fromArray(seededValues(8, 4), [8], { backend: gpu() });
      const e = op.exp(t);
      await e.data();
      e.dispose();
      t.dispose();
    });
    expect(again.dispatches.map((d) => d.label)).toEqual(['webgpu.unary(exp) [8] -> [8]']);
  });
});
