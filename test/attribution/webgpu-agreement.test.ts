/** IG, Grad-CAM and RSI-Grad-CAM give the same results on WebGPU (float32) as on the CPU. */
import { expect, it } from 'vitest';
import { gradCam } from '../../src/attribution/grad-cam.js';
import { integratedGradients } from '../../src/attribution/integrated-gradients.js';
import { rsiGradCam } from '../../src/attribution/rsi-grad-cam.js';
import { toBackend } from '../../src/autograd/ops.js';
import { randomUniform, zeros } from '../../src/tensor/creation.js';
import { cpuBackend } from '../../src/kernels/cpu/cpu-backend.js';
import { smallCnn } from '../helpers/small-models.js';
import { describeWebGpu, expectCloseToScale } from '../helpers/webgpu.js';

describeWebGpu('attribution: WebGPU agrees with the CPU', (gpu) => {
  it('IG, Grad-CAM (two layers) and RSI-Grad-CAM (two layers, trapezoid, guided)', async () => {
    const cpuModel = smallCnn({ seed: 41, dtype: 'float32', backend: cpuBackend() });
    const gpuModel = smallCnn({ seed: 41, dtype: 'float32', backend: gpu() });
    const x = randomUniform([1, 8, 8, 3], 0, 1, { seed: 42 });
    const b = zeros([1, 8, 8, 3]);
    const xg = await toBackend(x, gpu());
    const bg = await toBackend(b, gpu());

    const igC = await integratedGradients(cpuModel, x, { baseline: b, steps: 16, batchSize: 5 });
    const igG = await integratedGradients(gpuModel, xg, { baseline: bg, steps: 16, batchSize: 5 });
    expect(igG.target).toBe(igC.target);
    expectCloseToScale(await igG.attribution.data(), await igC.attribution.data(), 1e-3);
    expect(igG.delta).toBeCloseTo(igC.delta, 4);

    const gcC = await gradCam(cpuModel, x, { layers: ['conv1', 'conv3'] });
    const gcG = await gradCam(gpuModel, xg, { layers: ['conv1', 'conv3'] });
    gcC.maps.forEach((m, i) => expectCloseToScale(gcG.maps[i]!.map, m.map, 1e-3));

    const opts = { layers: ['conv2', 'conv3'], steps: 8, rule: 'trapezoid' as const, weighting: 'guided' as const, batchSize: 4 };
    const rC = await rsiGradCam(cpuModel, x, { baseline: b, ...opts });
    const rG = await rsiGradCam(gpuModel, xg, { baseline: bg, ...opts });
    rC.maps.forEach((m, i) => {
      expectCloseToScale(rG.maps[i]!.map, m.map, 1e-3);
      expect(rG.maps[i]!.completenessDelta).toBeCloseTo(m.completenessDelta, 4);
    });
    for (const t of [x, b, xg, bg, igC.attribution, igG.attribution]) t.dispose();
    cpuModel.dispose();
    gpuModel.dispose();
  });
});
