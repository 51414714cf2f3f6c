/**
 * `stieltjes bench --profile` on Dawn's Null backend, which has GPU timestamps (arbitrary ones:
 * it runs nothing): each pass is also timed in place, and the in-place timing sees exactly the
 * dispatches the replaying profile recorded, in the same order. (llvmpipe has no timestamps; the
 * CLI test there covers the rest of the profile.)
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { formatProfile, profileModel, profileRows } from '../../src/bench/model-profile.js';
import { createInstrumentedWebGpuBackend } from '../../src/kernels/webgpu/instrumented-backend.js';
import { loadModelFile } from '../../src/models/load-model-file.js';
import { SYNTHETIC } from '../helpers/tiny-vgg19.js';

it('profiles each pass in place by GPU timestamps where the device has them', async () => {
  const backend = await createInstrumentedWebGpuBackend({ nullDevice: true, kernelProfile: 'gpu' });
  try {
    const dir = join(SYNTHETIC, '..', 'hls4ml');
    const model = await loadModelFile(join(dir, 'KERAS_conv2d_model_weights.h5'), { configPath: join(dir, 'KERAS_conv2d_model.json'), backend });
    const passes = await profileModel(backend, model);
    expect(passes.map((p) => p.pass)).toEqual(['forward', 'forward+input gradient']);
    for (const p of passes) {
      expect(p.inPlace).toBeDefined();
      expect(p.inPlace!.dispatches.map((d) => d.label)).toEqual(p.profile.dispatches.map((d) => d.label));
      expect(p.inPlace!.dispatches.some((d) => d.kernel === 'webgpu.conv2d')).toBe(true);
      expect(formatProfile(p)[1]).toMatch(/^ {2}in place, by GPU timestamps: kernels .* ms \(\d+ dispatches, each in a pass of its own\)$/);
      const rows = profileRows(p, 'webgpu');
      expect(rows[2]).toMatchObject({ shape: 'kernels in place by GPU timestamps, sum', runs: p.inPlace!.dispatches.length });
    }
  } finally {
    backend.dispose();
  }
});
