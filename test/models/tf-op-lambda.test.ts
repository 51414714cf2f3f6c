/**
 * tf.keras 2's TFOpLambda layers (the subset keras.applications' MobileNetV3 records): a hand-written
 * functional config in Keras 2's exact node layout (`["layer", 0, 0, {"y": 3.0, "name": null}]`, a
 * tensor operand as `["other", 0, 0]` in the kwargs), run and differentiated against a float64
 * reference written with loops here (its gradient by central differences).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeKerasWeightsH5 } from '../../scripts/keras-weights-writer.js';
import { recogniseFamily } from '../../src/models/applications/index.js';
import { loadModelFile } from '../../src/models/load-model-file.js';
import * as op from '../../src/autograd/ops.js';
import { grad } from '../../src/autograd/functional.js';
import { buildFromKerasConfig } from '../../src/models/keras-config.js';
import { summarizeModelConfig } from '../../src/models/model-summary.js';
import { fromArray } from '../../src/tensor/creation.js';
import { expectInputGradientMatchesReference, expectOutputMatchesReference } from '../helpers/loop-reference.js';

const H = 3;
const W = 3;
const C = 2;
const K = 3;

function layer(cls: string, name: string, config: Record<string, unknown>, inbound: unknown[]): Record<string, unknown> {
  return { class_name: cls, config: { name, trainable: true, dtype: 'float32', ...config }, name, inbound_nodes: inbound };
}
/** A TFOpLambda entry as tf.keras 2.13 writes it: its node is the reference itself, kwargs in place 4. */
function tfOp(name: string, fn: string, x: string, kwargs: Record<string, unknown>): Record<string, unknown> {
  return layer('TFOpLambda', name, { function: fn }, [[x, 0, 0, { ...kwargs, name: null }]]);
}

function config(extra: Record<string, unknown>[] = []): Record<string, unknown> {
  return {
    class_name: 'Functional',
    config: {
      name: 'tf_ops',
      layers: [
        layer('InputLayer', 'in', { batch_input_shape: [null, H, W, C] }, []),
        // MobileNetV3's hard_sigmoid and hard_swish: ReLU(6.)(x + 3.) * (1. / 6.), Multiply()([x, ·]).
        tfOp('tf.__operators__.add', '__operators__.add', 'in', { y: 3.0 }),
        layer('ReLU', 're_lu', { max_value: 6.0, negative_slope: 0.0, threshold: 0.0 }, [[['tf.__operators__.add', 0, 0, {}]]]),
        tfOp('tf.math.multiply', 'math.multiply', 're_lu', { y: 1 / 6 }),
        layer('Multiply', 'hswish', {}, [[['in', 0, 0, {}], ['tf.math.multiply', 0, 0, {}]]]),
        // Two tensors: hswish − in; then constants and relu6.
        tfOp('tf.math.subtract', 'math.subtract', 'hswish', { y: ['in', 0, 0] }),
        tfOp('tf.math.truediv', 'math.truediv', 'tf.math.subtract', { y: 0.25 }),
        tfOp('tf.nn.relu6', 'nn.relu6', 'tf.math.truediv', {}),
        tfOp('tf.__operators__.add_1', '__operators__.add', 'tf.nn.relu6', { y: 1.0 }),
        // Two tensors: hswish / (relu6(·) + 1); then a constant subtracted and a tensor product.
        tfOp('tf.math.truediv_1', 'math.truediv', 'hswish', { y: ['tf.__operators__.add_1', 0, 0] }),
        tfOp('tf.math.subtract_1', 'math.subtract', 'tf.math.truediv_1', { y: 0.5 }),
        tfOp('tf.math.multiply_1', 'math.multiply', 'tf.math.subtract_1', { y: ['in', 0, 0] }),
        ...extra,
        layer('GlobalAveragePooling2D', 'gap', {}, [[[extra.length ? String((extra.at(-1) as { name: string }).name) : 'tf.math.multiply_1', 0, 0, {}]]]),
        layer('Dense', 'out', { units: K, activation: 'linear' }, [[['gap', 0, 0, {}]]]),
      ],
      input_layers: [['in', 0, 0]],
      output_layers: [['out', 0, 0]],
    },
  };
}

const kernel = Float32Array.from({ length: C * K }, (_, i) => Math.sin(1.3 * i + 0.4));
const bias = Float32Array.from({ length: K }, (_, i) => 0.1 * i - 0.05);
const weightLayers = [{ name: 'out', weights: [{ name: 'out/kernel:0', shape: [C, K], data: kernel }, { name: 'out/bias:0', shape: [K], data: bias }] }];
// Spread over [−5, 5] so ReLU(6) and relu6 clip on both sides for some values.
const xs = Float64Array.from({ length: H * W * C }, (_, i) => 5 * Math.sin(2.7 * i + 0.3));

/** The model by hand in float64: per value, then the pooling and the dense layer. */
function reference(x: Float64Array): number[] {
  const feat = new Float64Array(C);
  for (let p = 0; p < H * W; p++) {
    for (let c = 0; c < C; c++) {
      const v = x[p * C + c]!;
      const hsig = Math.min(Math.max(v + 3, 0), 6) * (1 / 6);
      const hsw = v * hsig;
      const r6 = Math.min(Math.max((hsw - v) / 0.25, 0), 6);
      feat[c]! += (hsw / (r6 + 1) - 0.5) * v;
    }
  }
  const out: number[] = [];
  for (let k = 0; k < K; k++) {
    let s = bias[k]!;
    for (let c = 0; c < C; c++) s += (feat[c]! / (H * W)) * kernel[c * K + k]!;
    out.push(s);
  }
  return out;
}

describe('TFOpLambda (the subset tf.keras 2 records in keras.applications models)', () => {
  const model = buildFromKerasConfig(config(), weightLayers, { dtype: 'float64' });

  it('wires a tensor operand read from the kwargs as a second input', () => {
    expect(model.inputsOfLayer('tf.math.subtract')).toEqual(['hswish', 'in']);
    expect(model.inputsOfLayer('tf.math.truediv_1')).toEqual(['hswish', 'tf.__operators__.add_1']);
    expect(model.inputsOfLayer('tf.__operators__.add')).toEqual(['in']);
    expect(summarizeModelConfig(config()).layers.filter((l) => l.unsupported)).toEqual([]);
  });

  it('forward matches the float64 loop reference', async () => {
    await expectOutputMatchesReference({ model, x: xs, shape: [1, H, W, C], reference });
  });

  it('input gradient matches central differences of the reference', async () => {
    const notTiny = await expectInputGradientMatchesReference({ model, x: xs, shape: [1, H, W, C], weights: [0.7, -1.1, 0.4], reference });
    expect(notTiny).toBeGreaterThan(xs.length / 2);
  });

  it('inside a nested model, a tensor operand naming the nested input is rewired to the outer layer', async () => {
    const inner = {
      class_name: 'Functional',
      name: 'inner',
      config: {
        name: 'inner',
        layers: [
          layer('InputLayer', 'inner_in', { batch_input_shape: [null, H, W, C] }, []),
          tfOp('tf.__operators__.add', '__operators__.add', 'inner_in', { y: 3.0 }),
          tfOp('tf.nn.relu6', 'nn.relu6', 'tf.__operators__.add', {}),
          tfOp('tf.math.truediv', 'math.truediv', 'tf.nn.relu6', { y: 6.0 }),
          tfOp('tf.math.subtract', 'math.subtract', 'tf.math.truediv', { y: ['inner_in', 0, 0] }),
        ],
        input_layers: [['inner_in', 0, 0]],
        output_layers: [['tf.math.subtract', 0, 0]],
      },
      inbound_nodes: [[['in', 0, 0, {}]]],
    };
    const outer = {
      class_name: 'Functional',
      config: {
        name: 'outer',
        layers: [
          layer('InputLayer', 'in', { batch_input_shape: [null, H, W, C] }, []),
          inner,
          layer('GlobalAveragePooling2D', 'gap', {}, [[['inner', 0, 0, {}]]]),
          layer('Dense', 'out', { units: K }, [[['gap', 0, 0, {}]]]),
        ],
        input_layers: [['in', 0, 0]],
        output_layers: [['out', 0, 0]],
      },
    };
    const m = buildFromKerasConfig(outer, weightLayers, { dtype: 'float64' });
    expect(m.inputsOfLayer('tf.math.subtract')).toEqual(['tf.math.truediv', 'in']);
    const y = await m.run(fromArray(xs, [1, H, W, C], { dtype: 'float64' })).output.data();
    const feat = new Float64Array(C);
    for (let p = 0; p < H * W; p++) for (let c = 0; c < C; c++) feat[c]! += (Math.min(Math.max(xs[p * C + c]! + 3, 0), 6) / 6 - xs[p * C + c]!) / (H * W);
    for (let k = 0; k < K; k++) expect(Math.abs(y[k]! - (bias[k]! + feat.reduce((s, v, c) => s + v * kernel[c * K + k]!, 0)))).toBeLessThan(1e-12);
  });

  it('refuses any other function in one line naming it and the layer', () => {
    const bad = config([tfOp('tf.math.reduce_mean', 'math.reduce_mean', 'tf.math.multiply_1', { axis: -1 })]);
    expect(() => buildFromKerasConfig(bad, weightLayers)).toThrow(/^layer tf\.math\.reduce_mean: TFOpLambda function tf\.math\.reduce_mean .* is not supported \(supported: tf\.__operators__\.add, [^\n]*$/);
    expect(summarizeModelConfig(bad).layers.find((l) => l.name === 'tf.math.reduce_mean')?.unsupported).toMatch(/tf\.math\.reduce_mean/);
    const extraArg = config([tfOp('tf.math.multiply_2', 'math.multiply', 'tf.math.multiply_1', { y: 2, axis: 1 })]);
    expect(() => buildFromKerasConfig(extraArg, weightLayers)).toThrow(/^layer tf\.math\.multiply_2: TFOpLambda tf\.math\.multiply with argument\(s\) axis is not supported$/);
    const slicing = config([layer('SlicingOpLambda', 'tf.__operators__.getitem', { function: '__operators__.getitem' }, [['tf.math.multiply_1', 0, 0, { slice_spec: {} }]])]);
    expect(() => buildFromKerasConfig(slicing, weightLayers)).toThrow(/^layer tf\.__operators__\.getitem: a tensor slice recorded as a layer/);
  });
});

/**
 * A MobileNetV3-style full `.h5` (model.save layout, tf.keras 2.13 names): Rescaling inside, a
 * stride-2 'same' Conv + BatchNorm + hard-swish (TFOpLambda add, ReLU(6), TFOpLambda multiply,
 * Multiply), a squeeze-excite block (GlobalAveragePooling2D keepdims, 1×1 convs, hard-sigmoid,
 * Multiply), the 1×1 project conv + BatchNorm, then pooling and a softmax Dense.
 */
describe('a MobileNetV3-style full .h5 with TFOpLambda hard-swish and squeeze-excite', () => {
  const S = 8; // input side
  const C0 = 3;
  const F = 4; // stem filters
  const R = 2; // squeeze channels
  const seq = (n: number, a: number, b: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(a * i + b));
  const w = {
    conv: seq(3 * 3 * C0 * F, 0.71, 0.2).map((v) => 0.6 * v),
    bn: { gamma: seq(F, 1.1, 0.3).map((v) => 1 + 0.2 * v), beta: seq(F, 0.9, 1.0).map((v) => 0.3 * v), mean: seq(F, 1.7, 0.1).map((v) => 0.1 * v), variance: seq(F, 0.5, 0.4).map((v) => 1 + 0.5 * Math.abs(v)) },
    se1: seq(F * R, 1.3, 0.5), se1b: seq(R, 2.1, 0.2).map((v) => 0.2 * v), se2: seq(R * F, 0.8, 1.1), se2b: seq(F, 1.9, 0.7).map((v) => 0.2 * v),
    proj: seq(F * F, 0.37, 0.9),
    pbn: { gamma: seq(F, 0.6, 0.2).map((v) => 1 + 0.1 * v), beta: seq(F, 1.4, 0.6).map((v) => 0.2 * v), mean: seq(F, 0.3, 0.5).map((v) => 0.05 * v), variance: seq(F, 2.3, 0.8).map((v) => 1 + 0.3 * Math.abs(v)) },
    dense: seq(F * K, 0.45, 0.05), denseB: seq(K, 1.2, 0.3).map((v) => 0.1 * v),
  };
  const bnWeights = (b: typeof w.bn) => [
    { name: 'gamma:0', shape: [F], data: b.gamma },
    { name: 'beta:0', shape: [F], data: b.beta },
    { name: 'moving_mean:0', shape: [F], data: b.mean },
    { name: 'moving_variance:0', shape: [F], data: b.variance },
  ];
  const ref = (n: string) => [[[n, 0, 0, {}]]];
  const entries = [
    layer('InputLayer', 'input_1', { batch_input_shape: [null, S, S, C0] }, []),
    layer('Rescaling', 'rescaling', { scale: 1 / 127.5, offset: -1 }, ref('input_1')),
    layer('Conv2D', 'Conv', { filters: F, kernel_size: [3, 3], strides: [2, 2], padding: 'same', use_bias: false, activation: 'linear' }, ref('rescaling')),
    layer('BatchNormalization', 'Conv/BatchNorm', { axis: -1, epsilon: 0.001 }, ref('Conv')),
    tfOp('tf.__operators__.add', '__operators__.add', 'Conv/BatchNorm', { y: 3.0 }),
    layer('ReLU', 're_lu', { max_value: 6.0, negative_slope: 0.0, threshold: 0.0 }, ref('tf.__operators__.add')),
    tfOp('tf.math.multiply', 'math.multiply', 're_lu', { y: 0.16666666666666666 }),
    layer('Multiply', 'multiply', {}, [[['Conv/BatchNorm', 0, 0, {}], ['tf.math.multiply', 0, 0, {}]]]),
    layer('GlobalAveragePooling2D', 'expanded_conv/squeeze_excite/AvgPool', { keepdims: true }, ref('multiply')),
    layer('Conv2D', 'expanded_conv/squeeze_excite/Conv', { filters: R, kernel_size: [1, 1], padding: 'same', use_bias: true }, ref('expanded_conv/squeeze_excite/AvgPool')),
    layer('ReLU', 'expanded_conv/squeeze_excite/Relu', {}, ref('expanded_conv/squeeze_excite/Conv')),
    layer('Conv2D', 'expanded_conv/squeeze_excite/Conv_1', { filters: F, kernel_size: [1, 1], padding: 'same', use_bias: true }, ref('expanded_conv/squeeze_excite/Relu')),
    tfOp('tf.__operators__.add_1', '__operators__.add', 'expanded_conv/squeeze_excite/Conv_1', { y: 3.0 }),
    layer('ReLU', 're_lu_1', { max_value: 6.0 }, ref('tf.__operators__.add_1')),
    tfOp('tf.math.multiply_1', 'math.multiply', 're_lu_1', { y: 0.16666666666666666 }),
    layer('Multiply', 'expanded_conv/squeeze_excite/Mul', {}, [[['multiply', 0, 0, {}], ['tf.math.multiply_1', 0, 0, {}]]]),
    layer('Conv2D', 'expanded_conv/project', { filters: F, kernel_size: [1, 1], padding: 'same', use_bias: false }, ref('expanded_conv/squeeze_excite/Mul')),
    layer('BatchNormalization', 'expanded_conv/project/BatchNorm', { axis: -1, epsilon: 0.001 }, ref('expanded_conv/project')),
    layer('GlobalAveragePooling2D', 'global_average_pooling2d', {}, ref('expanded_conv/project/BatchNorm')),
    layer('Dense', 'Predictions', { units: K, activation: 'softmax' }, ref('global_average_pooling2d')),
  ];
  const modelConfig = { class_name: 'Functional', config: { name: 'MobilenetV3small', layers: entries, input_layers: [['input_1', 0, 0]], output_layers: [['Predictions', 0, 0]] } };
  const weightsOf: Record<string, { name: string; shape: number[]; data: Float32Array }[]> = {
    Conv: [{ name: 'kernel:0', shape: [3, 3, C0, F], data: w.conv }],
    'Conv/BatchNorm': bnWeights(w.bn),
    'expanded_conv/squeeze_excite/Conv': [{ name: 'kernel:0', shape: [1, 1, F, R], data: w.se1 }, { name: 'bias:0', shape: [R], data: w.se1b }],
    'expanded_conv/squeeze_excite/Conv_1': [{ name: 'kernel:0', shape: [1, 1, R, F], data: w.se2 }, { name: 'bias:0', shape: [F], data: w.se2b }],
    'expanded_conv/project': [{ name: 'kernel:0', shape: [1, 1, F, F], data: w.proj }],
    'expanded_conv/project/BatchNorm': bnWeights(w.pbn),
    Predictions: [{ name: 'kernel:0', shape: [F, K], data: w.dense }, { name: 'bias:0', shape: [K], data: w.denseB }],
  };
  const fileLayers = entries.slice(1).map((e) => ({ name: String(e.name), weights: weightsOf[String(e.name)] ?? [] }));
  const pixels = Float64Array.from({ length: S * S * C0 }, (_, i) => 127.5 + 127.5 * Math.sin(0.93 * i + 0.1));

  /** The same model with loops in float64 (TF 'same' padding for stride 2 on 8: 0 before, 1 after). */
  function reference(px: Float64Array): number[] {
    const O = S / 2;
    const hsig = (v: number) => Math.min(Math.max(v + 3, 0), 6) / 6;
    const bn = (v: number, b: typeof w.bn, f: number) => (b.gamma[f]! * (v - b.mean[f]!)) / Math.sqrt(b.variance[f]! + 1e-3) + b.beta[f]!;
    const a = new Float64Array(O * O * F);
    for (let oy = 0; oy < O; oy++)
      for (let ox = 0; ox < O; ox++)
        for (let f = 0; f < F; f++) {
          let s = 0;
          for (let ky = 0; ky < 3; ky++)
            for (let kx = 0; kx < 3; kx++) {
              const iy = oy * 2 + ky;
              const ix = ox * 2 + kx;
              if (iy >= S || ix >= S) continue;
              for (let c = 0; c < C0; c++) s += (px[(iy * S + ix) * C0 + c]! / 127.5 - 1) * w.conv[((ky * 3 + kx) * C0 + c) * F + f]!;
            }
          const v = bn(s, w.bn, f);
          a[(oy * O + ox) * F + f] = v * hsig(v);
        }
    const mean = new Float64Array(F);
    for (let p = 0; p < O * O; p++) for (let f = 0; f < F; f++) mean[f]! += a[p * F + f]! / (O * O);
    const r = Array.from({ length: R }, (_, j) => Math.max(0, w.se1b[j]! + mean.reduce((s, m, f) => s + m * w.se1[f * R + j]!, 0)));
    const gate = Array.from({ length: F }, (_, f) => hsig(w.se2b[f]! + r.reduce((s, v, j) => s + v * w.se2[j * F + f]!, 0)));
    const pooled = new Float64Array(F);
    for (let p = 0; p < O * O; p++)
      for (let g = 0; g < F; g++) {
        let s = 0;
        for (let f = 0; f < F; f++) s += a[p * F + f]! * gate[f]! * w.proj[f * F + g]!;
        pooled[g]! += bn(s, w.pbn, g) / (O * O);
      }
    const logits = Array.from({ length: K }, (_, k) => w.denseB[k]! + pooled.reduce((s, v, g) => s + v * w.dense[g * K + k]!, 0));
    const m = Math.max(...logits);
    const e = logits.map((l) => Math.exp(l - m));
    const z = e.reduce((s, v) => s + v, 0);
    return e.map((v) => v / z);
  }

  it('loads from the .h5, is recognised as MobileNetV3, and matches the float64 reference (forward and gradient)', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'stj-tfop-')), 'mobilenet_v3_like.h5');
    await writeKerasWeightsH5(path, fileLayers, '2.13.1', modelConfig);
    const model = await loadModelFile(path, { dtype: 'float64' });
    expect(recogniseFamily(model.layerNames)?.family).toBe('MobileNetV3');
    expect(model.head).toBe('softmax');
    const y = await model.run(fromArray(pixels, [1, S, S, C0], { dtype: 'float64' })).output.data();
    const want = reference(pixels);
    for (let k = 0; k < K; k++) expect(Math.abs(y[k]! - want[k]!)).toBeLessThan(1e-12);
    // d p_1 / d pixels against central differences of the reference.
    const pick = fromArray(Float64Array.from({ length: K }, (_, k) => (k === 1 ? 1 : 0)), [1, K], { dtype: 'float64' });
    const [g] = grad((x) => op.sum(op.mul(model.run(x).output, pick)))(fromArray(pixels, [1, S, S, C0], { dtype: 'float64' }));
    const got = await g!.data();
    const h = 1e-4;
    let scale = 0;
    const fds: number[] = [];
    for (let i = 0; i < pixels.length; i++) {
      const p = Float64Array.from(pixels);
      const m = Float64Array.from(pixels);
      p[i]! += h;
      m[i]! -= h;
      const fd = (reference(p)[1]! - reference(m)[1]!) / (2 * h);
      fds.push(fd);
      scale = Math.max(scale, Math.abs(fd));
    }
    expect(scale).toBeGreaterThan(1e-6);
    for (let i = 0; i < pixels.length; i++) expect(Math.abs(got[i]! - fds[i]!)).toBeLessThan(1e-6 * scale);
  });
});
