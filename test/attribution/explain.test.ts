/** explain(): each method gives the numbers of the building block it wraps, in the one result type. */
import { describe, expect, it } from 'vitest';
import { explain } from '../../src/attribution/explain.js';
import { gradCam } from '../../src/attribution/grad-cam.js';
import { integratedGradients } from '../../src/attribution/integrated-gradients.js';
import { optimizeBaseline } from '../../src/attribution/optimize-baseline.js';
import type { Progress } from '../../src/attribution/progress.js';
import { quadrature } from '../../src/attribution/quadrature.js';
import { rsiGradCam } from '../../src/attribution/rsi-grad-cam.js';
import { explanationSummary } from '../../src/attribution/explanation.js';
import { blurBaseline, uniformBaseline, type PixelImage } from '../../src/attribution/baselines.js';
import { fromArray, randomUniform, zeros } from '../../src/tensor/creation.js';
import { smallCnn } from '../helpers/small-models.js';

const f64 = { dtype: 'float64' as const };
const model = smallCnn({ seed: 31 });
const x = randomUniform([1, 8, 8, 3], 0, 1, { ...f64, seed: 32 });
const baseline = randomUniform([1, 8, 8, 3], 0, 0.2, { ...f64, seed: 33 });
const sum = (a: ArrayLike<number>): number => Array.from(a).reduce((s, v) => s + v, 0);

describe('explain', () => {
  it('integrated-gradients: the building block\'s attribution, completeness as the identity, the path scores and the top target', async () => {
    const e = await explain(model, x, { method: 'integrated-gradients', baseline, baselineName: 'noise', steps: 4, batchSize: 3 });
    const direct = await integratedGradients(model, x, { baseline, steps: 4, batchSize: 3 });
    const attribution = Float32Array.from(await direct.attribution.data());
    direct.attribution.dispose();

    expect(e.method).toBe('integrated-gradients');
    expect(e.model).toBe('small-cnn');
    expect(e.target).toEqual({ index: direct.target }); // five unnamed classes: no label
    expect(e.target.index).toBe(e.scores.output.indexOf(Math.max(...e.scores.output)));
    expect(e.scores).toMatchObject({ kind: 'probability', input: direct.scoreInput, baseline: direct.scoreBaseline, probability: e.scores.output[direct.target] });
    expect(e.maps).toHaveLength(1);
    const [map] = e.maps;
    expect(map).toMatchObject({ name: 'attribution', space: 'input', shape: [8, 8, 3] });
    expect(map!.data).toEqual(attribution);
    // Completeness: Σ IG − (y(x) − y(x')) = δ, with the sum the map's own values give.
    expect(map!.completeness!.delta).toBe(direct.delta);
    expect(map!.completeness!.expected).toBeCloseTo(e.scores.input - e.scores.baseline!, 12);
    expect(map!.completeness!.sum - map!.completeness!.expected).toBeCloseTo(map!.completeness!.delta, 12);
    expect(sum(map!.data)).toBeCloseTo(map!.completeness!.sum, 5);
    // The right rule's last node is α = 1: the path ends at y(x).
    expect(e.scores.path!.alphas).toEqual(quadrature('right', 4).alphas);
    expect(e.scores.path!.values).toHaveLength(4);
    expect(e.scores.path!.values[3]).toBeCloseTo(e.scores.input, 6);
    expect(e.parameters).toEqual({ score: 'probability', steps: 4, rule: 'right', baseline: 'noise', batchSize: 3 });
    expect(e.backend.name).toBe('cpu');
    expect(Object.keys(e.timings)).toEqual(expect.arrayContaining(['predict', 'baseline', 'integrated-gradients', 'total']));
    // The summary is JSON without the big arrays.
    const json = JSON.parse(JSON.stringify(explanationSummary(e)));
    expect(json.maps[0]).not.toHaveProperty('data');
    expect(json.scores).not.toHaveProperty('output');
  });

  it('the default black baseline, an explicit target and the logit score', async () => {
    const e = await explain(model, x, { method: 'integrated-gradients', target: 1, score: 'logit', steps: 3, rule: 'trapezoid' });
    const direct = await integratedGradients(model, x, { baseline: zeros([1, 8, 8, 3], f64), target: 1, score: 'logit', steps: 3, rule: 'trapezoid' });
    expect(e.maps[0]!.data).toEqual(Float32Array.from(await direct.attribution.data()));
    direct.attribution.dispose();
    expect(e.target.index).toBe(1);
    expect(e.scores).toMatchObject({ kind: 'logit', input: direct.scoreInput, baseline: direct.scoreBaseline });
    expect(e.parameters).toMatchObject({ score: 'logit', baseline: 'black', rule: 'trapezoid' });
  });

  it("the named baselines and pixels are the building block's baselines", async () => {
    const pixels = Float32Array.from(await x.data()); // no preprocessing: pixels are the input
    const cases = [
      ['uniform', uniformBaseline(8, 8, 3, 0)],
      ['blur', blurBaseline({ height: 8, width: 8, channels: 3, data: pixels }, 8 / 20)],
      [{ ...uniformBaseline(8, 8, 3, 5), data: uniformBaseline(8, 8, 3, 5).data.map((v) => v / 255) }, null],
    ] as const;
    for (const [spec, pixelsOf] of cases) {
      const image = pixelsOf ?? (spec as PixelImage);
      const e = await explain(model, x, { method: 'integrated-gradients', baseline: spec, steps: 2, target: 0 });
      const direct = await integratedGradients(model, x, { baseline: fromArray(image.data, [1, 8, 8, 3], f64), steps: 2, target: 0 });
      expect(e.maps[0]!.data).toEqual(Float32Array.from(await direct.attribution.data()));
      direct.attribution.dispose();
      expect(e.parameters.baseline).toBe(typeof spec === 'string' ? spec : 'pixels');
    }
  });

  it('grad-cam: one map per layer at the layer\'s resolution, as gradCam gives them', async () => {
    const e = await explain(model, x, { method: 'grad-cam', layers: ['conv1', 'conv3'], target: 2 });
    const direct = await gradCam(model, x, { layers: ['conv1', 'conv3'], target: 2 });
    expect(e.maps.map((m) => [m.name, m.space, m.layer, m.shape])).toEqual([
      ['conv1', 'layer', 'conv1', [8, 8]],
      ['conv3', 'layer', 'conv3', [4, 4]],
    ]);
    e.maps.forEach((m, i) => {
      expect(m.data).toEqual(direct.maps[i]!.map);
      expect(m.channelWeights).toEqual(direct.maps[i]!.weights);
      expect(m.completeness).toBeUndefined();
    });
    expect(e.scores.input).toBe(direct.scoreInput);
    expect(e.scores.baseline).toBeUndefined();
    expect(e.parameters).toEqual({ score: 'probability', layers: ['conv1', 'conv3'] });
    expect(e.timings).not.toHaveProperty('baseline');
  });

  it('rsi-grad-cam: the building block\'s maps, with completeness per layer', async () => {
    const opts = { baseline, layers: ['conv2', 'conv3'], target: 0, steps: 3, rule: 'trapezoid' as const, weighting: 'guided' as const };
    const e = await explain(model, x, { method: 'rsi-grad-cam', ...opts });
    const direct = await rsiGradCam(model, x, opts);
    e.maps.forEach((m, i) => {
      const d = direct.maps[i]!;
      expect(m).toMatchObject({ name: d.layer, space: 'layer', shape: [d.height, d.width] });
      expect(m.data).toEqual(d.map);
      expect(m.completeness).toEqual({ sum: d.integral, expected: direct.scoreInput - direct.scoreBaseline, delta: d.completenessDelta });
    });
    expect(e.parameters).toEqual({ score: 'probability', steps: 3, rule: 'trapezoid', weighting: 'guided', baseline: 'tensor', layers: ['conv2', 'conv3'], batchSize: direct.batchSize });
  });

  it("baseline 'optimized' runs the paper's eq. 8 first and reports it; the attribution is IG from that baseline", async () => {
    // optimizeBaseline works in float32.
    const model32 = smallCnn({ seed: 31, dtype: 'float32' });
    const x32 = randomUniform([1, 8, 8, 3], 0, 1, { seed: 32 });
    const settings = { iterations: 3, learningRate: 0.05 };
    const phases = new Set<string>();
    const e = await explain(model32, x32, { method: 'integrated-gradients', baseline: 'optimized', optimizeBaseline: settings, steps: 2, onProgress: (p: Progress) => phases.add(p.phase) });
    const opt = await optimizeBaseline(model32, settings);
    const b = fromArray(opt.baseline.data, [1, 8, 8, 3]);
    const direct = await integratedGradients(model32, x32, { baseline: b, steps: 2 });
    expect(e.maps[0]!.data).toEqual(Float32Array.from(await direct.attribution.data()));
    direct.attribution.dispose();
    expect(e.baselineOptimization).toEqual({ settings: opt.settings, before: opt.before, after: opt.after });
    expect(e.parameters.baseline).toBe('optimized');
    expect([...phases]).toEqual(['baseline', 'integrated-gradients']);
  });

  it('progress passes through, an aborted signal cancels, and bad calls name the culprit', async () => {
    const seen: Progress[] = [];
    await explain(model, x, { method: 'rsi-grad-cam', steps: 3, batchSize: 2, onProgress: (p) => seen.push(p) });
    expect(seen.map((p) => `${p.phase} ${p.done}/${p.total}`)).toEqual(['rsi-grad-cam 2/4', 'rsi-grad-cam 4/4']);

    const controller = new AbortController();
    const run = explain(model, x, { method: 'integrated-gradients', steps: 4, batchSize: 1, signal: controller.signal, onProgress: () => controller.abort() });
    await expect(run).rejects.toThrow(/integratedGradients was cancelled/);
    await expect(run).rejects.toHaveProperty('name', 'AbortError');

    await expect(explain(model, x, { method: 'lrp' } as never)).rejects.toThrow(/method must be 'integrated-gradients', 'grad-cam' or 'rsi-grad-cam', got 'lrp'/);
    await expect(explain(model, zeros([1, 4, 4, 3], f64), { method: 'grad-cam' })).rejects.toThrow(/input must have shape \[1, 8, 8, 3\]/);
    await expect(explain(model, x, { method: 'integrated-gradients', baseline: 'sepia' as never })).rejects.toThrow(/baseline must be .*got 'sepia'/);
    await expect(explain(model, x, { method: 'grad-cam', target: 7 })).rejects.toThrow(/class index 7 is out of range/);
  });
});
