/**
 * Autotuning inside the attribution methods on WebGPU (slow tier: every candidate kernel compiles on
 * llvmpipe): each method tunes once, before its first batch, and gives the untuned results.
 */
import { expect, it } from 'vitest';
import { integratedGradients } from '../../src/attribution/integrated-gradients.js';
import { rsiGradCam } from '../../src/attribution/rsi-grad-cam.js';
import { optimizeBaseline } from '../../src/attribution/optimize-baseline.js';
import type { TuningReport } from '../../src/attribution/autotune.js';
import type { Progress } from '../../src/attribution/progress.js';
import { toBackend } from '../../src/autograd/ops.js';
import { randomUniform, zeros } from '../../src/tensor/creation.js';
import { cpuBackend } from '../../src/kernels/cpu/cpu-backend.js';
import { smallCnn } from '../helpers/small-models.js';
import { describeWebGpu, expectCloseToScale } from '../helpers/webgpu.js';

describeWebGpu('attribution: autotuning on WebGPU', (gpu) => {
  it('with autotune, IG, RSI-Grad-CAM and the baseline tune on their first batch and give the same results', async () => {
    const model = smallCnn({ seed: 43, dtype: 'float32', backend: gpu() });
    const x = await toBackend(randomUniform([1, 8, 8, 3], 0, 1, { seed: 44 }), gpu());
    const b = await toBackend(zeros([1, 8, 8, 3]), gpu());
    const reports: TuningReport[] = [];
    const phases: string[] = [];
    const tuned = { autotune: true, onAutotuned: (r: TuningReport) => reports.push(r), onProgress: (p: Progress) => phases.push(p.phase) };
    const plain = await integratedGradients(model, x, { baseline: b, steps: 12, batchSize: 5 });
    const ig = await integratedGradients(model, x, { baseline: b, steps: 12, batchSize: 5, ...tuned });
    expectCloseToScale(await ig.attribution.data(), await plain.attribution.data(), 1e-4);
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
    expectCloseToScale(r.maps[0]!.map, rPlain.maps[0]!.map, 1e-4);
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
