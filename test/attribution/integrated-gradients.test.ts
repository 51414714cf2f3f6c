import { describe, expect, it } from 'vitest';
import * as op from '../../src/autograd/ops.js';
import { integratedGradients } from '../../src/attribution/integrated-gradients.js';
import { quadrature } from '../../src/attribution/quadrature.js';
import { FlattenLayer, LambdaLayer } from '../../src/models/layers.js';
import { noPreprocessing } from '../../src/models/preprocessing.js';
import { SequentialModel } from '../../src/models/sequential.js';
import { fromArray, randomUniform, zeros } from '../../src/tensor/creation.js';
import { smallCnn } from '../helpers/small-models.js';

const f64 = { dtype: 'float64' as const };

describe('quadrature', () => {
  it('every rule integrates polynomials it should, and Gauss–Legendre is exact to degree 2m−1', () => {
    for (const rule of ['right', 'left', 'middle', 'trapezoid', 'gauss-legendre'] as const) {
      const { alphas, weights } = quadrature(rule, 8);
      expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(alphas.every((a) => a >= 0 && a <= 1)).toBe(true);
    }
    const gl = quadrature('gauss-legendre', 5);
    for (let d = 0; d <= 9; d++) {
      const approx = gl.alphas.reduce((s, a, i) => s + gl.weights[i]! * a ** d, 0);
      expect(approx).toBeCloseTo(1 / (d + 1), 12);
    }
    expect(quadrature('right', 4).alphas).toEqual([0.25, 0.5, 0.75, 1]);
    expect(quadrature('trapezoid', 3)).toEqual({ alphas: [0, 0.5, 1], weights: [0.25, 0.5, 0.25] });
  });
});

describe('integratedGradients', () => {
  it('paper figure 1: f(x) = 1 − ReLU(1 − x), x = 2, x\' = 0 → IG within 2/m of 1, though ∂f/∂x = 0 at x', async () => {
    const f = new LambdaLayer('f', (x) => op.sub(op.scalarLike(x, 1), op.relu(op.sub(op.scalarLike(x, 1), x))));
    const model = new SequentialModel('figure1', [f, new FlattenLayer('flatten')], [1, 1, 1], noPreprocessing);
    for (const m of [10, 50, 51]) {
      const r = await integratedGradients(model, fromArray([2], [1, 1, 1, 1], f64), { baseline: zeros([1, 1, 1, 1], f64), target: 0, steps: m });
      const ig = (await r.attribution.data())[0]!;
      expect(Math.abs(ig - 1)).toBeLessThanOrEqual(2 / m);
      expect(r.scoreInput).toBe(1);
    }
  });

  it('completeness: Σ IG → y(x) − y(x\') on a small CNN, tighter as m grows, for every rule', async () => {
    const model = smallCnn({ seed: 3 });
    const x = randomUniform([1, 8, 8, 3], 0, 1, { ...f64, seed: 4 });
    const baseline = zeros([1, 8, 8, 3], f64);
    const coarse = await integratedGradients(model, x, { baseline, steps: 4 });
    const fine = await integratedGradients(model, x, { baseline, steps: 256 });
    const gap = Math.abs(fine.scoreInput - fine.scoreBaseline);
    expect(gap).toBeGreaterThan(1e-3);
    expect(Math.abs(fine.delta)).toBeLessThan(0.02 * gap);
    expect(Math.abs(fine.delta)).toBeLessThan(Math.abs(coarse.delta));
    for (const rule of ['left', 'middle', 'trapezoid', 'gauss-legendre'] as const) {
      const r = await integratedGradients(model, x, { baseline, steps: 128, rule, target: fine.target });
      expect(Math.abs(r.delta)).toBeLessThan(0.05 * gap);
    }
  });

  it('does not depend on the batch size', async () => {
    const model = smallCnn({ seed: 5 });
    const x = randomUniform([1, 8, 8, 3], 0, 1, { ...f64, seed: 6 });
    const baseline = randomUniform([1, 8, 8, 3], 0, 1, { ...f64, seed: 7 });
    const a = await integratedGradients(model, x, { baseline, steps: 10, batchSize: 1 });
    const b = await integratedGradients(model, x, { baseline, steps: 10, batchSize: 4 });
    const c = await integratedGradients(model, x, { baseline, steps: 10, batchSize: 10 });
    const [va, vb, vc] = await Promise.all([a.attribution.data(), b.attribution.data(), c.attribution.data()]);
    for (let i = 0; i < va.length; i++) {
      expect(vb[i]).toBeCloseTo(va[i]!, 12);
      expect(vc[i]).toBeCloseTo(va[i]!, 12);
    }
  });

  it('reports progress, can be cancelled, and rejects bad arguments', async () => {
    const model = smallCnn({ seed: 8 });
    const x = randomUniform([1, 8, 8, 3], 0, 1, { ...f64, seed: 9 });
    const baseline = zeros([1, 8, 8, 3], f64);
    const seen: number[] = [];
    await integratedGradients(model, x, { baseline, steps: 6, batchSize: 2, onProgress: (p) => seen.push(p.done) });
    expect(seen).toEqual([2, 4, 6]);
    const ctrl = new AbortController();
    const run = integratedGradients(model, x, { baseline, steps: 6, batchSize: 1, signal: ctrl.signal, onProgress: () => ctrl.abort() });
    await expect(run).rejects.toThrow(/cancelled/);
    await expect(integratedGradients(model, x, { baseline, target: 5 })).rejects.toThrow(/class index 5 is out of range/);
    await expect(integratedGradients(model, zeros([1, 4, 4, 3], f64), { baseline })).rejects.toThrow(/input must have shape \[1, 8, 8, 3\]/);
    // From JavaScript, without the types: a missing baseline is named, not a TypeError.
    const untyped = integratedGradients as (...a: unknown[]) => Promise<unknown>;
    await expect(untyped(model, x, {})).rejects.toThrow(/options\.baseline is required/);
    await expect(untyped(model, x)).rejects.toThrow(/options\.baseline is required/);
  });
});
