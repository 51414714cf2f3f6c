/**
 * The layers graph models brought: activations composed from existing ops (values and float64
 * gradient checks), merge layers, BatchNormalization, ZeroPadding2D, GlobalMaxPooling2D, the
 * Keras config entries that name them, and graph wiring (parallel branches, cycles).
 */
import { describe, expect, it } from 'vitest';
import * as op from '../../src/autograd/ops.js';
import { grad } from '../../src/autograd/functional.js';
import { defaultCamLayer, gradCam } from '../../src/attribution/grad-cam.js';
import { activate, sigmoid, tanh } from '../../src/models/activations.js';
import { BatchNormLayer } from '../../src/models/batch-norm-layer.js';
import { GraphModel } from '../../src/models/graph-model.js';
import { buildKerasLayer, type KerasLayerContext } from '../../src/models/keras-layer.js';
import { ActivationLayer, Conv2DLayer, DenseLayer, GlobalMaxPoolLayer, ZeroPadding2DLayer } from '../../src/models/layers.js';
import { ConcatenateLayer, ElementwiseMergeLayer } from '../../src/models/merge-layers.js';
import { noPreprocessing } from '../../src/models/preprocessing.js';
import { GlobalAveragePoolLayer } from '../../src/models/layers.js';
import { fromArray, randomNormal } from '../../src/tensor/creation.js';
import { assertGrads } from '../../src/testing/check-grads.js';

const f64 = { dtype: 'float64' as const };
const t = (values: number[], shape: number[] = [values.length]) => fromArray(values, shape, f64);

describe('activations', () => {
  it('match their formulas in float64, with sigmoid finite in value and gradient far from 0', async () => {
    const xs = [-800, -30, -2, -0.5, 0, 1e-9, 0.5, 2, 7, 30, 800];
    const x = t(xs);
    const close = async (y: ReturnType<typeof op.relu>, f: (v: number) => number) => {
      const got = await y.data();
      xs.forEach((v, i) => expect(got[i]).toBeCloseTo(f(v), 12));
    };
    await close(sigmoid(x), (v) => 1 / (1 + Math.exp(-v)));
    await close(tanh(x), Math.tanh);
    await close(activate(x, 'swish'), (v) => v / (1 + Math.exp(-v)));
    await close(activate(x, 'relu6'), (v) => Math.min(Math.max(v, 0), 6));
    const [g] = grad((v) => op.sum(sigmoid(v)))(x);
    const gv = await g!.data();
    xs.forEach((v, i) => {
      expect(Number.isFinite(gv[i]!)).toBe(true);
      expect(gv[i]).toBeCloseTo(Math.exp(-Math.abs(v)) / (1 + Math.exp(-Math.abs(v))) ** 2, 12);
    });
  });

  it('have the gradients finite differences give (float64)', async () => {
    const x = [-3.1, -0.7, -0.05, 0.2, 1.3, 4.5, 6.6, 8];
    for (const a of ['sigmoid', 'tanh', 'swish', 'relu6'] as const) {
      await assertGrads((v) => activate(v, a), [x]);
    }
  });
});

describe('merge layers', () => {
  const a = [1, -2, 3, 0.5];
  const b = [0.25, 4, -1, 2];
  const c = [2, 1, 1, -3];
  it('add, subtract, multiply, average and maximum element-wise, and check their inputs', async () => {
    const xs = [t(a, [1, 4]), t(b, [1, 4]), t(c, [1, 4])];
    const run = async (kind: 'add' | 'multiply' | 'average' | 'maximum', n = 3) => Array.from(await new ElementwiseMergeLayer(kind, kind).applyMerge(xs.slice(0, n)).data());
    expect(await run('add')).toEqual(a.map((v, i) => v + b[i]! + c[i]!));
    expect(await run('multiply')).toEqual(a.map((v, i) => v * b[i]! * c[i]!));
    expect(await run('average')).toEqual(a.map((v, i) => (v + b[i]! + c[i]!) / 3));
    expect(await run('maximum')).toEqual(a.map((v, i) => Math.max(v, b[i]!, c[i]!)));
    const sub = new ElementwiseMergeLayer('sub', 'subtract');
    expect(Array.from(await sub.applyMerge(xs.slice(0, 2)).data())).toEqual(a.map((v, i) => v - b[i]!));
    expect(() => sub.mergedShape([[4], [4], [4]])).toThrow(/layer sub: subtract needs exactly 2 inputs, got 3/);
    expect(() => new ElementwiseMergeLayer('plus', 'add').mergedShape([[2, 2, 3], [2, 2, 4]])).toThrow(/layer plus: add needs inputs of one shape \(or 1 where they differ\), got \[2, 2, 3\] and \[2, 2, 4\]/);
    await assertGrads((p, q, r) => new ElementwiseMergeLayer('m', 'maximum').applyMerge([p!, q!, r!]), [a, b, c]);
    await assertGrads((p, q) => new ElementwiseMergeLayer('m', 'average').applyMerge([p!, q!]), [a, b]);
  });

  it('concatenate along the channel axis (Keras axis −1 or 3) and check the other axes', async () => {
    const cat = new ConcatenateLayer('cat', 3);
    expect(cat.mergedShape([[2, 2, 3], [2, 2, 1]])).toEqual([2, 2, 4]);
    expect(new ConcatenateLayer('cat').mergedShape([[2, 2, 3], [2, 2, 1]])).toEqual([2, 2, 4]);
    expect(() => cat.mergedShape([[2, 2, 3], [2, 3, 1]])).toThrow(/layer cat: concatenate along axis 3 needs shapes equal elsewhere/);
    const y = cat.applyMerge([t([1, 2, 3, 4], [1, 1, 2, 2]), t([9, 8], [1, 1, 2, 1])]);
    expect(y.shape).toEqual([1, 1, 2, 3]);
    expect(Array.from(await y.data())).toEqual([1, 2, 9, 3, 4, 8]);
  });
});

describe('BatchNormalization, ZeroPadding2D, GlobalMaxPooling2D', () => {
  it('batch norm is γ(x − μ)/√(σ² + ε) + β per channel; γ and β may be absent', async () => {
    const params = { gamma: [2, 0.5], beta: [1, -1], movingMean: [0.5, -2], movingVariance: [4, 0.25], epsilon: 1e-3 };
    const x = [1, 2, -3, 4, 0.5, -0.5];
    const y = await new BatchNormLayer('bn', params, f64).apply(t(x, [1, 3, 2])).data();
    x.forEach((v, i) => {
      const k = i % 2;
      expect(y[i]).toBeCloseTo((params.gamma[k]! * (v - params.movingMean[k]!)) / Math.sqrt(params.movingVariance[k]! + 1e-3) + params.beta[k]!, 12);
    });
    const bare = await new BatchNormLayer('bn', { movingMean: [1], movingVariance: [3], epsilon: 1 }, f64).apply(t([5], [1, 1])).data();
    expect(bare[0]).toBeCloseTo(2, 12);
    expect(() => new BatchNormLayer('bn', { ...params, beta: [1] })).toThrow(/layer bn: beta has 1 values for 2 channels/);
    expect(() => new BatchNormLayer('bn', params).outputShape([3, 3, 5])).toThrow(/layer bn: expects 2 channels/);
  });

  it('zero padding pads H and W; global max pooling takes each channel’s maximum', async () => {
    const pad = new ZeroPadding2DLayer('pad', [[1, 0], [0, 2]]);
    expect(pad.outputShape([2, 2, 1])).toEqual([3, 4, 1]);
    expect(Array.from(await pad.apply(t([1, 2, 3, 4], [1, 2, 2, 1])).data())).toEqual([0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0]);
    const gmp = new GlobalMaxPoolLayer('gmp');
    expect(gmp.outputShape([2, 2, 2])).toEqual([2]);
    expect(Array.from(await gmp.apply(t([1, 8, 3, -1, 5, 2, 0, 4], [1, 2, 2, 2])).data())).toEqual([5, 8]);
  });
});

describe('Keras layer configs', () => {
  const ctx: KerasLayerContext = {
    backend: fromArray([0], [1]).backend,
    theano: false,
    weightsFor: () => {
      throw new Error('no weights here');
    },
    upload: () => {
      throw new Error('no weights here');
    },
    theanoKernel: () => {
      throw new Error('no weights here');
    },
  };
  it('map ReLU, Softmax, ZeroPadding2D, merges and silu to stieltjes layers', () => {
    expect((buildKerasLayer('ReLU', { max_value: 6 }, 'r6', ctx) as ActivationLayer).activation).toBe('relu6');
    expect((buildKerasLayer('Activation', { activation: 'silu' }, 's', ctx) as ActivationLayer).activation).toBe('swish');
    expect(buildKerasLayer('Softmax', {}, 'sm', ctx)!.softmax).toBe(true);
    expect((buildKerasLayer('ZeroPadding2D', { padding: [[1, 2], [3, 4]] }, 'zp', ctx) as ZeroPadding2DLayer).padding).toEqual([[1, 2], [3, 4]]);
    expect((buildKerasLayer('ZeroPadding2D', { padding: [1, 2] }, 'zp', ctx) as ZeroPadding2DLayer).padding).toEqual([[1, 1], [2, 2]]);
    expect(buildKerasLayer('Add', {}, 'add', ctx)!.kind).toBe('add');
    expect(buildKerasLayer('Dropout', { rate: 0.5 }, 'drop', ctx)!.kind).toBe('Dropout');
    expect(buildKerasLayer('InputLayer', {}, 'in', ctx)).toBeNull();
  });

  it('an unsupported layer gets one line naming it and why', () => {
    expect(() => buildKerasLayer('Lambda', {}, 'preprocess', ctx)).toThrow(/^layer preprocess: a Lambda layer holds Python code, which cannot be loaded outside Python/);
    expect(() => buildKerasLayer('TFOpLambda', { function: 'image.resize' }, 'tf.image.resize', ctx, [['x', 0, 0, { size: [8, 8] }]])).toThrow(
      /^layer tf\.image\.resize: TFOpLambda function tf\.image\.resize \(a TensorFlow call recorded by tf\.keras 2\) is not supported \(supported: [^\n]*rebuild that part with Keras layers$/,
    );
    expect(() => buildKerasLayer('TFOpLambda', {}, 'tf.op', ctx)).toThrow(/^layer tf\.op: a TFOpLambda layer \(a TensorFlow call recorded by tf\.keras 2\) whose config names no function/);
    expect(() => buildKerasLayer('Conv3D', {}, 'c3', ctx)).toThrow(/^layer c3: Keras layer class Conv3D is not supported \(supported: Conv2D, DepthwiseConv2D, SeparableConv2D, Dense, BatchNormalization/);
    expect(() => buildKerasLayer('Activation', { activation: 'mish' }, 'g', ctx)).toThrow(/layer g: activation 'mish' is not supported/);
  });
});

describe('graph wiring', () => {
  /** input → a (conv) → [b1 (conv), b2 (conv)] → concat → gap → dense softmax: two parallel branches. */
  function branches(): GraphModel {
    const w = (shape: number[], seed: number) => randomNormal(shape, 0, 0.5, { ...f64, seed });
    const conv = (name: string, cin: number, cout: number, seed: number) => new Conv2DLayer(name, w([3, 3, cin, cout], seed), w([cout], seed + 1), { padding: 'same', activation: 'relu' });
    return new GraphModel(
      'branches',
      [
        { layer: conv('a', 2, 3, 1), inputs: ['in'] },
        { layer: conv('b1', 3, 2, 3), inputs: ['a'] },
        { layer: conv('b2', 3, 2, 5), inputs: ['a'] },
        { layer: new ConcatenateLayer('cat'), inputs: ['b1', 'b2'] },
        { layer: new GlobalAveragePoolLayer('gap'), inputs: ['cat'] },
        { layer: new DenseLayer('out', w([4, 3], 7), w([3], 8), 'softmax'), inputs: ['gap'] },
      ],
      [5, 5, 2],
      noPreprocessing,
      'in',
    );
  }

  it('Grad-CAM at layers in parallel branches in one pass equals each layer alone', async () => {
    const model = branches();
    expect(model.headInputs('b1')).toEqual(['b2']);
    expect(model.headInputs('a')).toEqual([]);
    const x = randomNormal([1, 5, 5, 2], 0, 1, { ...f64, seed: 9 });
    const both = await gradCam(model, x, { layers: ['b1', 'b2'], target: 1 });
    for (const l of ['b1', 'b2']) {
      const alone = await gradCam(model, x, { layers: [l], target: 1 });
      const m = both.maps.find((c) => c.layer === l)!;
      expect(Array.from(m.weights)).toEqual(Array.from(alone.maps[0]!.weights));
      expect(Array.from(m.map)).toEqual(Array.from(alone.maps[0]!.map));
    }
  });

  it('the default Grad-CAM layer is chosen by kind (what the global pooling reads: a convolution, activation or concatenation), not by name', () => {
    const w = (shape: number[], seed: number) => randomNormal(shape, 0, 0.5, { ...f64, seed });
    const model = new GraphModel(
      'names',
      [
        { layer: new Conv2DLayer('pool_like_name', w([3, 3, 2, 2], 1), null, { padding: 'same' }), inputs: ['in'] },
        { layer: new ActivationLayer('stage_out', 'relu'), inputs: ['pool_like_name'] },
        { layer: new ZeroPadding2DLayer('pad', [[1, 1], [1, 1]]), inputs: ['stage_out'] },
        { layer: new GlobalAveragePoolLayer('gap', true), inputs: ['pad'] },
      ],
      [4, 4, 2],
      noPreprocessing,
      'in',
    );
    expect(defaultCamLayer(model)).toBe('stage_out');
    // Parallel branches concatenated before the pooling: the concatenation (all channels), as
    // InceptionV3's mixed10, not the last branch alone.
    expect(defaultCamLayer(branches())).toBe('cat');
  });

  it('rejects cycles, unknown inputs and one-input layers given two', () => {
    const act = (n: string) => new ActivationLayer(n, 'relu');
    expect(() => new GraphModel('m', [{ layer: act('p'), inputs: ['q'] }, { layer: act('q'), inputs: ['p'] }], [1, 1, 1], noPreprocessing, 'in')).toThrow(/model m: the layers p, q form a cycle/);
    expect(() => new GraphModel('m', [{ layer: act('p'), inputs: ['nowhere'] }], [1, 1, 1], noPreprocessing, 'in')).toThrow(/layer p reads 'nowhere', which is not a layer of the model/);
    expect(() => new GraphModel('m', [{ layer: act('p'), inputs: ['in', 'in'] }], [1, 1, 1], noPreprocessing, 'in')).toThrow(/layer p: takes one input, got 2/);
  });
});
