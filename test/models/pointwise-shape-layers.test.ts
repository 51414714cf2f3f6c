/**
 * The activations and layers beyond the ResNet set: ELU, SELU, softplus, softsign, exponential,
 * hard swish; LeakyReLU, PReLU, capped and leaky ReLU, Rescaling, Normalization; Cropping2D,
 * Reshape, Permute; and the Keras config entries that name them.
 */
import { describe, expect, it } from 'vitest';
import { activate } from '../../src/models/activations.js';
import { buildKerasLayer, type KerasLayerContext } from '../../src/models/keras-layer.js';
import { ConcatenateLayer, ElementwiseMergeLayer } from '../../src/models/merge-layers.js';
import { eluLayer, leakyReluLayer, normalizationLayer, preluLayer, reluLayer, rescalingLayer } from '../../src/models/pointwise-layers.js';
import { Cropping2DLayer, PermuteLayer, ReshapeLayer } from '../../src/models/shape-layers.js';
import { GlobalAveragePoolLayer, type Layer } from '../../src/models/layers.js';
import { fromArray } from '../../src/tensor/creation.js';
import { assertGrads } from '../../src/testing/check-grads.js';

const f64 = { dtype: 'float64' as const };
const t = (values: number[], shape: number[] = [values.length]) => fromArray(values, shape, f64);
const xs = [-40, -3, -0.5, -1e-3, 0.25, 2, 5, 40];
const values = async (l: Layer, x: number[], shape?: number[]) => Array.from(await l.apply(t(x, shape)).data());

describe('more activations', () => {
  const selu = (v: number) => 1.0507009873554805 * (v > 0 ? v : 1.6732632423543772 * (Math.exp(v) - 1));
  const formulas = {
    elu: (v: number) => (v > 0 ? v : Math.exp(v) - 1),
    selu,
    softplus: (v: number) => Math.log1p(Math.exp(-Math.abs(v))) + Math.max(v, 0),
    softsign: (v: number) => v / (1 + Math.abs(v)),
    exponential: Math.exp,
    hard_swish: (v: number) => (v * Math.min(Math.max(v + 3, 0), 6)) / 6,
  } as const;
  it('match their formulas in float64 and have the gradients finite differences give', async () => {
    for (const [name, f] of Object.entries(formulas)) {
      const got = await activate(t(xs), name as keyof typeof formulas).data();
      xs.forEach((v, i) => expect(Math.abs(got[i]! - f(v))).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(f(v)))));
      await assertGrads((v) => activate(v, name as keyof typeof formulas), [[-2.5, -0.4, 0.3, 1.7, 3.6]]);
    }
  });
});

describe('pointwise layers', () => {
  it('LeakyReLU, ELU, capped leaky ReLU and PReLU', async () => {
    expect(await values(leakyReluLayer('l', 0.2), [-2, 3])).toEqual([-0.4, 3]);
    expect((await values(eluLayer('e', 0.5), [-1, 2]))[0]).toBeCloseTo(0.5 * (Math.exp(-1) - 1), 14);
    expect(await values(reluLayer('r', 4, 0.5), [-2, 1, 9])).toEqual([-1, 1, 4]);
    // Keras: x ≥ threshold → x (capped), else slope·(x − threshold).
    expect(await values(reluLayer('r', 3, 0.5, 1), [-1, 0.5, 1, 2, 5])).toEqual([-1, -0.25, 1, 2, 3]);
    const prelu = preluLayer('p', t([0.1, 0.3], [1, 1, 2]));
    expect(prelu.outputShape([2, 2, 2])).toEqual([2, 2, 2]);
    expect(() => prelu.outputShape([2, 2, 3])).toThrow(/layer p: alpha \[1, 1, 2\] does not fit input \[2, 2, 3\]/);
    const y = await values(prelu, [-10, -10, 1, 1], [1, 1, 2, 2]);
    y.forEach((v, i) => expect(v).toBeCloseTo([-1, -3, 1, 1][i]!, 14));
    await assertGrads((x, a) => preluLayer('p', a!).apply(x!), [t([-1.5, 2, -0.3, 0.7], [2, 2]), t([0.2, 0.4])]);
  });

  it('Rescaling (one scale or one per channel) and Normalization ((x − μ)/max(σ, 1e-7))', async () => {
    expect(await values(rescalingLayer('s', 1 / 255, 0, f64), [255, 51])).toEqual([1, 0.2]);
    expect(await values(rescalingLayer('s', [1, 2], [0, -1], f64), [3, 3], [1, 2])).toEqual([3, 5]);
    expect(() => rescalingLayer('s', [1, 2], 0).outputShape([2, 2, 3])).toThrow(/layer s: has 2 channels of parameters/);
    const n = await values(normalizationLayer('n', [1, 2], [4, 0], f64), [5, 2 + 1e-6], [1, 2]);
    expect(n[0]).toBeCloseTo(2, 14);
    expect(n[1]).toBeCloseTo(1e-6 / 1e-7, 6);
  });
});

describe('shape layers', () => {
  it('Cropping2D, Reshape and Permute move values as Keras does', async () => {
    const crop = new Cropping2DLayer('c', [[1, 0], [0, 1]]);
    expect(crop.outputShape([3, 3, 1])).toEqual([2, 2, 1]);
    expect(await values(crop, [1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1])).toEqual([4, 5, 7, 8]);
    expect(() => crop.outputShape([1, 3, 1])).toThrow(/layer c: cropping .* leaves nothing of input \[1, 3, 1\]/);
    const reshape = new ReshapeLayer('r', [-1, 2]);
    expect(reshape.outputShape([2, 2, 1])).toEqual([2, 2]);
    expect(() => reshape.outputShape([3, 1, 1])).toThrow(/layer r: cannot reshape \[3, 1, 1\] to \[-1, 2\]/);
    const permute = new PermuteLayer('p', [3, 1, 2]);
    expect(permute.outputShape([2, 3, 4])).toEqual([4, 2, 3]);
    expect(await values(permute, [1, 2, 3, 4], [1, 1, 2, 2])).toEqual([1, 3, 2, 4]);
    expect(() => new PermuteLayer('p', [1, 1, 2]).outputShape([2, 2, 2])).toThrow(/layer p: dims \[1,1,2\] are not a permutation of 1..3/);
  });
});

describe('Keras config entries for them', () => {
  const weights = [{ name: 'w:0', shape: [2], data: Float32Array.from([0.5, 3]) }, { name: 'v:0', shape: [2], data: Float32Array.from([4, 9]) }];
  const ctx: KerasLayerContext = {
    backend: fromArray([0], [1]).backend,
    dtype: 'float64',
    theano: false,
    weightsFor: () => weights,
    upload: (w) => fromArray(w.data, w.shape, f64),
    theanoKernel: () => {
      throw new Error('no Theano here');
    },
  };
  const build = (cls: string, c: Record<string, unknown>) => buildKerasLayer(cls, c, 'x', ctx)!;
  it('read Keras 2 and Keras 3 spellings', async () => {
    expect(await values(build('LeakyReLU', { alpha: 0.1 }) as Layer, [-1])).toEqual([-0.1]);
    expect(await values(build('LeakyReLU', { negative_slope: 0.2 }) as Layer, [-1])).toEqual([-0.2]);
    expect(await values(build('LeakyReLU', {}) as Layer, [-1])).toEqual([-0.3]);
    expect(await values(build('ReLU', { max_value: 2, negative_slope: 0.5 }) as Layer, [-2, 3])).toEqual([-1, 2]);
    expect(await values(build('PReLU', {}) as Layer, [-2, -2], [1, 2])).toEqual([-1, -6]);
    expect(await values(build('Rescaling', { scale: 0.5, offset: -1 }) as Layer, [4])).toEqual([1]);
    for (const v of await values(build('Normalization', { axis: -1, mean: [1, 2], variance: [4, 9] }) as Layer, [3, 5], [1, 2])) expect(v).toBeCloseTo(1, 14);
    for (const v of await values(build('Normalization', { axis: [-1] }) as Layer, [2.5, 6], [1, 2])) expect(v).toBeCloseTo(1, 14);
    expect(() => build('Normalization', { invert: true })).toThrow(/layer x: Normalization with invert=True is not supported yet/);
    expect((build('Cropping2D', { cropping: [[1, 2], [0, 0]] }) as Cropping2DLayer).cropping).toEqual([[1, 2], [0, 0]]);
    expect((build('Reshape', { target_shape: [null, 4] }) as ReshapeLayer).target).toEqual([-1, 4]);
    expect((build('Permute', { dims: [2, 1, 3] }) as PermuteLayer).dims).toEqual([2, 1, 3]);
    expect(build('RandomFlip', { mode: 'horizontal' }).kind).toBe('RandomFlip');
    expect((build('GlobalAveragePooling2D', { keepdims: true }) as GlobalAveragePoolLayer).outputShape([3, 3, 5])).toEqual([1, 1, 5]);
    expect((build('Merge', { mode: 'ave' }) as ElementwiseMergeLayer).kind).toBe('average');
    expect(build('Merge', { mode: 'concat', concat_axis: -1 })).toBeInstanceOf(ConcatenateLayer);
    expect(() => build('Merge', { mode: 'cos' })).toThrow(/layer x: Keras 1 Merge mode 'cos' is not supported/);
    expect(() => build('Conv1D', {})).toThrow(/^layer x: stieltjes explains image models: 1-D convolutions are not supported$/);
    expect(() => build('LSTM', {})).toThrow(/^layer x: recurrent layers are not supported/);
    expect(() => build('Activation', { activation: 'mish' })).toThrow(/layer x: activation 'mish' is not supported \(linear, relu, relu6, sigmoid, tanh, softmax, swish, elu, selu, softplus, softsign, exponential, hard_swish, gelu, hard_sigmoid, silu, hard_silu\)/);
  });
});

describe('gelu', () => {
  it('is x·Φ(x) to 1.2e-7 relative (erfc from a Chebyshev fit), with the gradient of that fit', async () => {
    // x·Φ(x) from tables of the normal distribution.
    const table: [number, number][] = [[-3, -0.004049694094890], [-1, -0.158655253931457], [-0.1, -0.046017216272298], [0.5, 0.345731230637007], [1, 0.841344746068543], [2, 1.954499736103642], [6, 5.999999994079]];
    const got = await activate(t(table.map(([v]) => v)), 'gelu').data();
    table.forEach(([, want], i) => expect(Math.abs(got[i]! - want)).toBeLessThanOrEqual(1.2e-7 * Math.abs(want) + 1e-15));
    await assertGrads((v) => activate(v, 'gelu'), [[-2.5, -0.4, 0.3, 1.7, 3.6]]);
  });
});
