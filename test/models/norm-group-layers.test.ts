/** LayerNormalization and Conv2D with groups: against their definitions in float64, with gradient checks. */
import { describe, expect, it } from 'vitest';
import * as op from '../../src/autograd/ops.js';
import { GroupedConv2DLayer } from '../../src/models/grouped-conv-layer.js';
import { buildKerasLayer, type KerasLayerContext } from '../../src/models/keras-layer.js';
import { LayerNormLayer } from '../../src/models/layer-norm-layer.js';
import { fromArray } from '../../src/tensor/creation.js';
import { Random } from '../../src/tensor/random.js';
import { assertGrads } from '../../src/testing/check-grads.js';

const f64 = { dtype: 'float64' as const };
const values = (n: number, seed: number) => {
  const r = new Random(seed);
  return Array.from({ length: n }, () => r.normal(0, 1));
};

describe('LayerNormalization', () => {
  it('normalises each example over its channels (or all trailing axes), then scales and shifts', async () => {
    const x = values(2 * 2 * 3, 1);
    const gamma = [1.5, -0.5, 2];
    const beta = [0.1, 0.2, -0.3];
    const y = await new LayerNormLayer('ln', 1, 1e-3, fromArray(gamma, [3], f64), fromArray(beta, [3], f64)).apply(fromArray(x, [1, 2, 2, 3], f64)).data();
    for (let p = 0; p < 4; p++) {
      const v = x.slice(p * 3, p * 3 + 3);
      const mean = v.reduce((a, b) => a + b, 0) / 3;
      const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / 3;
      v.forEach((u, c) => expect(y[p * 3 + c]).toBeCloseTo((gamma[c]! * (u - mean)) / Math.sqrt(variance + 1e-3) + beta[c]!, 12));
    }
    const all = await new LayerNormLayer('ln', 3, 0, null, null).apply(fromArray(x, [1, 2, 2, 3], f64)).data();
    expect(Array.from(all).reduce((a, b) => a + b, 0)).toBeCloseTo(0, 12);
    expect(Array.from(all).reduce((a, b) => a + b * b, 0) / 12).toBeCloseTo(1, 12);
    await assertGrads((t, g) => new LayerNormLayer('ln', 1, 1e-3, g!, null).apply(t!), [fromArray(values(2 * 3, 2), [1, 2, 3], f64), fromArray([1, 2, 0.5], [3], f64)]);
  });
});

describe('Conv2D with groups', () => {
  it('equals a convolution with the block-diagonal kernel, and has the gradients finite differences give', async () => {
    const [kh, kw, groups, per, outPer] = [3, 3, 2, 2, 3];
    const kv = values(kh * kw * per * groups * outPer, 3);
    const xv = values(5 * 5 * per * groups, 4);
    const layer = new GroupedConv2DLayer('g', fromArray(kv, [kh, kw, per, groups * outPer], f64), fromArray([0.1, 0.2, 0.3, -0.1, -0.2, -0.3], [6], f64), groups, { padding: 'same' });
    expect(layer.outputShape([5, 5, 4])).toEqual([5, 5, 6]);
    expect(() => layer.outputShape([5, 5, 2])).toThrow(/layer g: expects input \[H, W, 4\] \(2 groups of 2\)/);
    // The full [kh, kw, 4, 6] kernel: input channel g·2 + i feeds output g·3 + o only.
    const full = new Array<number>(kh * kw * 4 * 6).fill(0);
    for (let t = 0; t < kh * kw; t++)
      for (let g = 0; g < groups; g++)
        for (let i = 0; i < per; i++)
          for (let o = 0; o < outPer; o++) full[(t * 4 + g * per + i) * 6 + g * outPer + o] = kv[(t * per + i) * 6 + g * outPer + o]!;
    const x = fromArray(xv, [1, 5, 5, 4], f64);
    const want = await op.add(op.conv2d(x, fromArray(full, [kh, kw, 4, 6], f64), { padding: 'same' }), fromArray([0.1, 0.2, 0.3, -0.1, -0.2, -0.3], [6], f64)).data();
    const got = await layer.apply(x).data();
    want.forEach((v, i) => expect(Math.abs(got[i]! - v)).toBeLessThan(1e-12));
    await assertGrads((t, k) => new GroupedConv2DLayer('g', k!, null, 2, { padding: 'valid', strides: [2, 2] }).apply(t!), [
      fromArray(values(5 * 5 * 4, 5), [1, 5, 5, 4], f64),
      fromArray(values(3 * 3 * 2 * 4, 6), [3, 3, 2, 4], f64),
    ]);
  });
});

describe('Keras config entries', () => {
  const arrays = [
    { name: 'kernel:0', shape: [1, 1, 2, 4], data: new Float32Array(8).fill(1) },
    { name: 'bias:0', shape: [4], data: new Float32Array(4) },
  ];
  const ctx: KerasLayerContext = {
    backend: fromArray([0], [1]).backend,
    dtype: 'float64',
    theano: false,
    weightsFor: () => arrays,
    upload: (w) => fromArray(w.data, w.shape, f64),
    theanoKernel: () => {
      throw new Error('no Theano here');
    },
  };
  it('build grouped convolutions and layer normalisation, refusing non-trailing axes', () => {
    expect(buildKerasLayer('Conv2D', { groups: 2, padding: 'valid', use_bias: true }, 'g', ctx)).toBeInstanceOf(GroupedConv2DLayer);
    const ln = buildKerasLayer('LayerNormalization', { axis: [1, 2, 3], epsilon: 1e-6, center: false, scale: false }, 'ln', ctx) as LayerNormLayer;
    expect([ln.trailingAxes, ln.epsilon, ln.gamma, ln.beta]).toEqual([3, 1e-6, null, null]);
    expect((buildKerasLayer('LayerNormalization', { axis: -1 }, 'ln', ctx) as LayerNormLayer).trailingAxes).toBe(1);
    // [1] counts the batch axis: a vector's last axis (ConvNeXt's head), an image's rows (refused).
    const byRows = buildKerasLayer('LayerNormalization', { axis: [1], center: false, scale: false }, 'ln', ctx) as LayerNormLayer;
    expect(byRows.outputShape([4])).toEqual([4]);
    expect(() => byRows.outputShape([4, 4, 2])).toThrow(/layer ln: LayerNormalization over axes \[1\] of input \[4, 4, 2\] is not supported \(only trailing axes\)/);
    expect(() => buildKerasLayer('LayerNormalization', { axis: [1, 3] }, 'ln', ctx)).toThrow(/layer ln: LayerNormalization over axes \[1,3\] is not supported \(only trailing axes\)/);
  });
});
