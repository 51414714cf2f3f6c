/** IG, Grad-CAM and RSI-Grad-CAM give the same results on WebGPU (float32) as on the CPU. */
import { expect, it } from 'vitest';
import { gradCam } from '../../src/attribution/grad-cam.js';
import { integratedGradients } from '../../src/attribution/integrated-gradients.js';
import { rsiGradCam } from '../../src/attribution/rsi-grad-cam.js';
import { optimizeBaseline } from '../../src/attribution/optimize-baseline.js';
import type { TuningReport } from '../../src/attribution/autotune.js';
import type { Progress } from '../../src/attribution/progress.js';
import { toBackend } from '../../src/autograd/ops.js';
import { randomUniform, zeros } from '../../src/tensor/creation.js';
import { cpuBackend } from '../../src/kernels/cpu/cpu-backend.js';
import { smallCnn } from '../helpers/small-models.js';
import { describeWebGpu } from '../helpers/webgpu.js';

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, rtol: number): void {
  expect(a.length).toBe(b.length);
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  for (let i = 0; i < b.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(rtol * scale + 1e-7);
}

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
    expectClose(await igG.attribution.data(), await igC.attribution.data(), 1e-3);
    expect(igG.delta).toBeCloseTo(igC.delta, 4);

    const gcC = await gradCam(cpuModel, x, { layers: ['conv1', 'conv3'] });
    const gcG = await gradCam(gpuModel, xg, { layers: ['conv1', 'conv3'] });
    gcC.maps.forEach((m, i) => expectClose(gcG.maps[i]!.map, m.map, 1e-3));

    const opts = { layers: ['conv2', 'conv3'], steps: 8, rule: 'trapezoid' as const, weighting: 'guided' as const, batchSize: 4 };
    const rC = await rsiGradCam(cpuModel, x, { baseline: b, ...opts });
    const rG = await rsiGradCam(gpuModel, xg, { baseline: bg, ...opts });
    rC.maps.forEach((m, i) => {
      expectClose(rG.maps[i]!.map, m.map, 1e-3);
      expect(rG.maps[i]!.completenessDelta).toBeCloseTo(m.completenessDelta, 4);
    });
    for (const t of [x, b, xg, bg, igC.attribution, igG.attribution]) t.dispose();
    cpuModel.dispose();
    gpuModel.dispose();
  });

  it('with autotune, IG, RSI-Grad-CAM and the baseline tune on their first batch and give the same results', async () => {
    const model = smallCnn({ seed: 43, dtype: 'float32', backend: gpu() });
    const x = await toBackend(randomUniform([1, 8, 8, 3], 0, 1, { seed: 44 }), gpu());
    const b = await toBackend(zeros([1, 8, 8, 3]), gpu());
    const reports: TuningReport[] = [];
    const phases: string[] = [];
    const tuned = { autotune: true, onAutotuned: (r: TuningReport) => reports.push(r), onProgress: (p: Progress) => phases.push(p.phase) };
    const plain = await integratedGradients(model, x, { baseline: b, steps: 12, batchSize: 5 });
    const ig = await integratedGradients(model, x, { baseline: b, steps: 12, batchSize: 5, ...tuned });
    expectClose(await ig.attribution.data(), await plain.attribution.data(), 1e-4);
    // One tuning, before the first batch's progress; its problems are the model's convolutions
    // and products (forward and input gradient) at the batch size of 5.
    expect(reports).toHaveLength(1);
    expect(phases.indexOf('autotune')).toBeLessThan(phases.indexOf('integrated-gradients'));
    expect(phases.lastIndexOf('autotune')).toBeLessThan(phases.indexOf('integrated-gradients'));
    const keys = reports[0]!.problems.map((p) => p.key);
    expect(keys.some((k) => k.startsWith('conv2d [5,8,8,3] [3,3,3,4]'))).toBe(true);
    expect(keys.some((k) => k.startsWith('conv2dBackpropInput [5,8,8,4] [3,3,3,4]'))).toBe(true);
    expect(keys.some((k) => k.startsWith('conv2dBackpropFilter'))).toBe(false);

    const opts = { layers: ['conv3'], steps: 6, batchSize: 4 };
    const rPlain = await rsiGradCam(model, x, { baseline: b, ...opts });
    const r = await rsiGradCam(model, x, { baseline: b, ...opts, ...tuned });
    expectClose(r.maps[0]!.map, rPlain.maps[0]!.map, 1e-4);
    expect(reports).toHaveLength(2);
    const base = await optimizeBaseline(model, { iterations: 2, ...tuned });
    expect(reports).toHaveLength(3);
    expect(Number.isFinite(base.after.maxDeviation)).toBe(true);
    // The CPU backend has nothing to tune: the option is ignored.
    const cpuModel = smallCnn({ seed: 43, dtype: 'float32', backend: cpuBackend() });
    await integratedGradients(cpuModel, await toBackend(x, cpuBackend()), { baseline: await toBackend(b, cpuBackend()), steps: 4, ...tuned });
    expect(reports).toHaveLength(3);
    for (const t of [x, b, ig.attribution, plain.attribution]) t.dispose();
    model.dispose();
    cpuModel.dispose();
  });
});
