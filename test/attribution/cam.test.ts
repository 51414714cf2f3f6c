/** Grad-CAM and RSI-Grad-CAM against direct float64 evaluations of the spec's formulas. */
import { describe, expect, it } from 'vitest';
import { gradCam } from '../../src/attribution/grad-cam.js';
import { rsiGradCam, type RsiRule, type RsiWeighting } from '../../src/attribution/rsi-grad-cam.js';
import { randomUniform } from '../../src/tensor/creation.js';
import { scope } from '../../src/tensor/scope.js';
import { smallCnn } from '../helpers/small-models.js';
import { activation, camFromWeights, channelMeans, interpolate, layerGradientFD } from './reference.js';

const f64 = { dtype: 'float64' as const };
const model = smallCnn({ seed: 21 });
const x = randomUniform([1, 8, 8, 3], 0, 1, { ...f64, seed: 22 });
const baseline = randomUniform([1, 8, 8, 3], 0, 0.2, { ...f64, seed: 23 });
const target = 2;

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  const scale = Array.from(expected, Math.abs).reduce((a, v) => Math.max(a, v), 1e-12);
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(rtol * scale);
}

/** The spec's RSI-Grad-CAM, evaluated directly with finite-difference gradients. */
function rsiReference(layer: string, m: number, rule: RsiRule, weighting: RsiWeighting) {
  const K = model.layerShape(layer)[2]!;
  const A: Float64Array[] = [];
  const G: Float64Array[] = [];
  for (let l = 0; l <= m; l++) {
    const a = scope(() => activation(model, interpolate(x, baseline, l / m), layer));
    A.push(a);
    G.push(layerGradientFD(model, layer, a, target));
  }
  const S = new Float64Array(A[0]!.length);
  for (let l = 1; l <= m; l++) {
    for (let i = 0; i < S.length; i++) {
      const g = rule === 'trapezoid' ? (G[l - 1]![i]! + G[l]![i]!) / 2 : G[l]![i]!;
      S[i] = S[i]! + g * (A[l]![i]! - A[l - 1]![i]!);
    }
  }
  const Ax = A[m]!;
  const Ab = A[0]!;
  const kept = S.map((s, i) => (weighting === 'guided' && !(Ax[i]! > 0 && s > 0 && Ax[i]! - Ab[i]! > 0) ? 0 : s));
  const weights = channelMeans(kept, K);
  return { weights, map: camFromWeights(Ax, weights), integral: S.reduce((a, b) => a + b, 0) };
}

describe('gradCam', () => {
  it('matches w_k = mean ∂y/∂A, L = ReLU(Σ w_k A^k) evaluated directly, at two layers in one pass (layers whose outputs feed no max-pool ties)', async () => {
    const r = await gradCam(model, x, { layers: ['conv1', 'conv3'], target });
    for (const layer of ['conv1', 'conv3']) {
      const K = model.layerShape(layer)[2]!;
      const a = activation(model, x, layer);
      const w = channelMeans(layerGradientFD(model, layer, a, target), K);
      const m = r.maps.find((mm) => mm.layer === layer)!;
      expectClose(m.weights, w);
      expectClose(m.map, camFromWeights(a, w));
      expect([m.height, m.width]).toEqual(model.layerShape(layer).slice(0, 2));
    }
  });

  it("score 'logit' explains the pre-softmax value, 'probability' the softmax output", async () => {
    const logits = scope(() => Array.from(model.run(x, { logits: true }).output.dataSync()));
    const probs = scope(() => Array.from(model.run(x).output.dataSync()));
    const rl = await gradCam(model, x, { layers: ['conv3'], target, score: 'logit' });
    const rp = await gradCam(model, x, { layers: ['conv3'], target });
    expect(rl.scoreInput).toBeCloseTo(logits[target]!, 6);
    expect(rp.scoreInput).toBeCloseTo(probs[target]!, 6);
    // ∂p_c/∂A = p_c · (∂z_c/∂A − Σ_j p_j ∂z_j/∂A): the weights must differ from the logit's.
    expect(Array.from(rl.maps[0]!.weights)).not.toEqual(Array.from(rp.maps[0]!.weights));
  });
});

describe('rsiGradCam', () => {
  for (const rule of ['right', 'trapezoid'] as const) {
    for (const weighting of ['paper', 'guided'] as const) {
      it(`rule ${rule}, weighting ${weighting}: matches the direct evaluation`, async () => {
        const m = 4;
        const ref = rsiReference('conv3', m, rule, weighting);
        const r = await rsiGradCam(model, x, { baseline, layers: ['conv3'], target, steps: m, rule, weighting });
        expectClose(r.maps[0]!.weights, ref.weights);
        expectClose(r.maps[0]!.map, ref.map);
        expect(r.maps[0]!.integral).toBeCloseTo(ref.integral, 6);
      });
    }
  }

  it('several layers from one pass equal separate runs, for any batch size', async () => {
    const both = await rsiGradCam(model, x, { baseline, layers: ['conv1', 'conv3'], target, steps: 6, batchSize: 4 });
    for (const layer of ['conv1', 'conv3']) {
      const alone = await rsiGradCam(model, x, { baseline, layers: [layer], target, steps: 6, batchSize: 3 });
      const a = both.maps.find((m) => m.layer === layer)!;
      expectClose(a.map, alone.maps[0]!.map, 1e-9);
      expectClose(a.weights, alone.maps[0]!.weights, 1e-9);
    }
  });

  it('layer completeness: Σ S → y(x) − y(x\') as m grows', async () => {
    const deltas: number[] = [];
    for (const m of [2, 8, 64]) {
      const r = await rsiGradCam(model, x, { baseline, layers: ['conv3'], target, steps: m });
      deltas.push(Math.abs(r.maps[0]!.completenessDelta));
      expect(r.scoreInput - r.scoreBaseline).not.toBe(0);
    }
    expect(deltas[1]!).toBeLessThan(deltas[0]!);
    expect(deltas[2]!).toBeLessThan(deltas[1]!);
  });

  it('rejects an unknown layer, listing the valid ones', async () => {
    await expect(rsiGradCam(model, x, { baseline, layers: ['nope'] })).rejects.toThrow(/no layer 'nope'; valid layers: conv1, conv2, pool1, conv3, flatten, predictions/);
    await expect(rsiGradCam(model, x, { baseline, layers: ['flatten'] })).rejects.toThrow(/not a spatial/);
    const untyped = rsiGradCam as (...a: unknown[]) => Promise<unknown>;
    await expect(untyped(model, x, { layers: ['conv3'] })).rejects.toThrow(/rsiGradCam: options\.baseline is required/);
  });
});
