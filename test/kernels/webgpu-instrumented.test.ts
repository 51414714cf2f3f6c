/**
 * createInstrumentedWebGpuBackend: the test and benchmark hooks (a forced kernel profile and GEMM
 * choice, pretend limits) that WebGpuBackendOptions no longer holds, and createWebGpuBackend's
 * handling of a tuning table from an older release (a warning, defaults kept).
 */
import { expect, it, vi } from 'vitest';
import { createWebGpuBackend } from '../../src/kernels/webgpu/device.js';
import { gemmTuningTable } from '../../src/kernels/webgpu/gemm-tuning-table.js';
import { createInstrumentedWebGpuBackend } from '../../src/kernels/webgpu/instrumented-backend.js';
import type { WebGpuBackend } from '../../src/kernels/webgpu/webgpu-backend.js';
import { fromArray } from '../../src/tensor/creation.js';
import * as op from '../../src/autograd/ops.js';
import { describeWebGpu, recordDispatches, seededValues } from '../helpers/webgpu.js';

/** The variants of the conv2d dispatches of a 16 → 16 channel convolution. */
async function convVariants(b: WebGpuBackend): Promise<string[]> {
  const x = fromArray(seededValues(1 * 12 * 12 * 16, 1), [1, 12, 12, 16], { backend: b });
  const w = fromArray(seededValues(3 * 3 * 16 * 16, 2), [3, 3, 16, 16], { backend: b });
  const seen = await recordDispatches(b, async () => {
    const y = op.conv2d(x, w, { padding: 'same' });
    await y.data();
    y.dispose();
  });
  x.dispose();
  w.dispose();
  return seen.filter((d) => d.kernel === 'webgpu.conv2d').map((d) => d.variant);
}

it('keeps test and benchmark hooks out of the user options (by type, and by name at run time)', async () => {
  // @ts-expect-error kernelProfile is a hook: createInstrumentedWebGpuBackend only.
  const forced: Parameters<typeof createWebGpuBackend>[0] = { kernelProfile: 'gpu' };
  // @ts-expect-error a forced GEMM choice likewise.
  const gemm: Parameters<typeof createWebGpuBackend>[0] = { gemm: { family: 'direct' } };
  await expect(createWebGpuBackend(forced)).rejects.toThrow(/unknown option 'kernelProfile'.*createInstrumentedWebGpuBackend/);
  await expect(createWebGpuBackend(gemm)).rejects.toThrow(/unknown option 'gemm'/);
});

it('refuses a malformed forced choice before making a device', async () => {
  const bad = { family: 'tiled', fillWorkgroups: -1 } as unknown as { family: 'direct' };
  await expect(createInstrumentedWebGpuBackend({ gemm: bad, nodeBackend: 'opengles' })).rejects.toThrow(/fillWorkgroups must be a non-negative integer/);
});

describeWebGpu('webgpu instrumented factory', (gpu) => {
  it('forces the GPU kernel profile and a GEMM choice; the plain factory plans by the adapter', async () => {
    const tiles32 = await createInstrumentedWebGpuBackend({ kernelProfile: 'gpu', gemm: { family: 'tiled', tile: { rows: 32, cols: 32 }, fillWorkgroups: 0 } });
    const plain = await createWebGpuBackend();
    try {
      expect(await convVariants(tiles32)).toEqual([expect.stringMatching(/^tiled\|forward\|.*\|32x32x8x2$/)]);
      const own = await convVariants(plain);
      // Software adapters (llvmpipe, SwiftShader) run direct kernels; GPUs the tiled one.
      if (plain.info().softwareAdapter) expect(own).toEqual([expect.stringMatching(/^forward\|.*\|8x8$/)]);
      else expect(own).toEqual([expect.stringMatching(/^tiled\|forward\|/)]);
    } finally {
      tiles32.dispose();
      plain.dispose();
    }
  });

  it("ignores an older release's tuning table with a warning and keeps the defaults", async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const key = 'conv2d [1,12,12,16] [3,3,16,16] - s1,1 d1,1 p1,1,1,1 o12x12';
    const b = await createInstrumentedWebGpuBackend({ kernelProfile: 'gpu', tuning: { [key]: 'direct' } });
    try {
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0]![0]).toBe('createWebGpuBackend: ignoring the tuning table: a tuning table from an older release (no version)');
      expect(b.tuning()).toEqual(gemmTuningTable({}));
      expect(await convVariants(b)).toEqual([expect.stringMatching(/^tiled\|/)]);
      // useTuning says the same, and still adopts nothing.
      expect(b.useTuning({ [key]: 'direct' })).toBe('a tuning table from an older release (no version)');
      // A current table for that key is taken.
      expect(b.useTuning(gemmTuningTable({ [key]: { family: 'direct' } }))).toBeUndefined();
      expect(await convVariants(b)).toEqual([expect.stringMatching(/^forward\|/)]);
    } finally {
      warn.mockRestore();
      b.dispose();
    }
    expect(gpu().info().name).toBe('webgpu');
  });
});
