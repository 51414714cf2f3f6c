import { describe, expect, it } from 'vitest';
import { optimizeBaseline } from '../../src/attribution/optimize-baseline.js';
import { createOptimizer } from '../../src/optim/optimizers.js';
import * as op from '../../src/autograd/ops.js';
import { grad } from '../../src/autograd/functional.js';
import { tensor } from '../../src/tensor/creation.js';
import { torchScale } from '../../src/models/pixel-scaling.js';
import { smallCnn } from '../helpers/small-models.js';

describe('optimisers', () => {
  it('minimise a quadratic: sgd, rmsprop and adam all approach the minimum', async () => {
    const target = tensor([1, -2, 3], [3], { dtype: 'float64' });
    const f = (p: typeof target) => op.sum(op.square(op.sub(p, target)));
    for (const name of ['sgd', 'rmsprop', 'adam'] as const) {
      const opt = createOptimizer(name, { learningRate: name === 'sgd' ? 0.1 : 0.05 });
      let p = tensor([0, 0, 0], [3], { dtype: 'float64' });
      // 150 steps (was 400): all three stay within 0.05 from step 19 (sgd), 76 (rmsprop) and 102
      // (adam); at 150 the largest error is adam's 0.005.
      for (let i = 0; i < 150; i++) {
        const [g] = grad(f)(p);
        const next = opt.step(p, g!);
        p.dispose();
        g!.dispose();
        p = next;
      }
      const v = await p.toArray();
      v.forEach((x, i) => expect(Math.abs(x - [1, -2, 3][i]!)).toBeLessThan(0.05));
    }
  });

  it('one optimiser serves several parameters through slots, and says so when they are mixed up', async () => {
    const opt = createOptimizer('adam', { learningRate: 0.1 });
    const a = tensor([1, 2], [2], { dtype: 'float64' });
    const b = tensor([1, 2, 3], [3], { dtype: 'float64' });
    const ga = tensor([1, 1], [2], { dtype: 'float64' });
    const gb = tensor([1, 1, 1], [3], { dtype: 'float64' });
    // Adam's first step moves every element by lr (bias-corrected m̂/√v̂ = ±1), per slot.
    expect(await opt.step(a, ga, 'a').toArray()).toEqual([0.9, 1.9].map((v) => expect.closeTo(v, 6)));
    expect(await opt.step(b, gb, 'b').toArray()).toEqual([0.9, 1.9, 2.9].map((v) => expect.closeTo(v, 6)));
    expect(() => opt.step(b, gb, 'a')).toThrow(/adam: slot a holds state of shape \[2\] but this parameter has shape \[3\]; give each parameter its own slot/);
  });

  it('RMSprop follows the Keras update rule exactly for one step', async () => {
    const opt = createOptimizer('rmsprop', { learningRate: 0.1, rho: 0.9, epsilon: 1e-7 });
    const p = tensor([1, 2], [2], { dtype: 'float64' });
    const g = tensor([0.5, -4], [2], { dtype: 'float64' });
    const next = await opt.step(p, g).toArray();
    [1, 2].forEach((x, i) => {
      const gi = [0.5, -4][i]!;
      const a = 0.1 * gi * gi;
      expect(next[i]).toBeCloseTo(x - (0.1 * gi) / (Math.sqrt(a) + 1e-7), 12);
    });
  });
});

describe('optimizeBaseline', () => {
  it('moves a small CNN\'s output towards uniform and reports before/after', async () => {
    const model = smallCnn({ seed: 31, dtype: 'float32' });
    const progress: number[] = [];
    const r = await optimizeBaseline(model, { iterations: 40, optimizer: 'adam', learningRate: 0.01, lambda: 0.99, onProgress: (p) => progress.push(p.done) });
    expect(progress.at(-1)).toBe(40);
    expect(r.after.maxDeviation).toBeLessThan(r.before.maxDeviation / 4);
    expect(r.before.l0).toBe(0);
    expect(r.after.l0).toBeGreaterThan(0);
    expect(r.baseline.data.length).toBe(8 * 8 * 3);
    expect(r.after.pixelMin).toBeLessThan(r.after.pixelMax);
    expect(r.settings).toEqual({ loss: 'max', lambda: 0.99, optimizer: 'adam', learningRate: 0.01, iterations: 40 });
  });

  it("steps the same number of pixels in every channel under torch's per-channel std", async () => {
    // RMSprop's first step is lr·g/(√(0.1·g²) + ε) ≈ √10·lr wherever the gradient is not tiny: in
    // pixel units (the documented meaning of learningRate) for every channel, std or not. Stepping
    // b itself in input units gave √10·lr·std[c] pixels (≈ 0.23 of it) under torch's scaling.
    const model = smallCnn({ seed: 7, dtype: 'float32' });
    model.preprocessing = torchScale;
    const r = await optimizeBaseline(model, { iterations: 1, optimizer: 'rmsprop', learningRate: 1 });
    const px = r.baseline.data;
    for (let c = 0; c < 3; c++) {
      let largest = 0;
      for (let i = c; i < px.length; i += 3) largest = Math.max(largest, Math.abs(px[i]!));
      expect(largest, `channel ${c}`).toBeCloseTo(Math.sqrt(10), 3);
    }
    model.dispose();
  });

  it('rejects bad settings with clear errors', async () => {
    const model = smallCnn({ seed: 31, dtype: 'float32' });
    await expect(optimizeBaseline(model, { lambda: 2 })).rejects.toThrow(/lambda must be in \[0, 1\]/);
    await expect(optimizeBaseline(model, { loss: 'l1' as never })).rejects.toThrow(/loss must be max, mse or crossentropy/);
    await expect(optimizeBaseline(model, { targetDistribution: new Float32Array(3) })).rejects.toThrow(/3 entries, the model has 5 classes/);
  });
  // On the tiny VGG19 against a PyTorch run: tiny-vgg19.test.ts (it shares that file's compiled
  // WebAssembly kernels).
});
