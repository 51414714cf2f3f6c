/**
 * Keras 3's operation nodes (arithmetic on Keras tensors in a functional model: `x + 3.0` is
 * keras.src.ops.numpy.Add): a hand-written Keras 3 functional config in the exact layout
 * Functional.get_config writes (module, class_name, config {name}, inbound_nodes
 * [{"args": [tensor or number, …], "kwargs": {}}]), run and differentiated against a float64
 * reference written with loops here (its gradient by central differences).
 */
import { describe, expect, it } from 'vitest';
import { buildFromKerasConfig } from '../../src/models/keras-config.js';
import { summarizeModelConfig } from '../../src/models/model-summary.js';
import { fromArray } from '../../src/tensor/creation.js';
import { expectInputGradientMatchesReference, expectOutputMatchesReference } from '../helpers/loop-reference.js';

const H = 3;
const W = 3;
const C = 2;
const K = 3;

const tensor = (from: string) => ({ class_name: '__keras_tensor__', config: { shape: [null, H, W, C], dtype: 'float32', keras_history: [from, 0, 0] } });
type Arg = string | number | Record<string, unknown>;
const arg = (a: Arg) => (typeof a === 'string' ? tensor(a) : a);

function layer(cls: string, name: string, config: Record<string, unknown>, inputs: string[]): Record<string, unknown> {
  const args = inputs.length === 0 ? [] : inputs.length === 1 ? [tensor(inputs[0]!)] : [inputs.map(tensor)];
  return { module: 'keras.layers', class_name: cls, config: { name, trainable: true, dtype: 'float32', ...config }, registered_name: null, name, inbound_nodes: inputs.length ? [{ args, kwargs: {} }] : [] };
}
/** An operation entry as Keras 3 writes it: its class's module, config {name}, the call's positional args. */
function operation(module: string, cls: string, name: string, args: Arg[], kwargs: Record<string, unknown> = {}): Record<string, unknown> {
  return { module: `keras.src.ops.${module}`, class_name: cls, config: { name }, registered_name: cls, name, inbound_nodes: [{ args: args.map(arg), kwargs }] };
}

function config(extra: Record<string, unknown>[] = []): Record<string, unknown> {
  const last = extra.length ? String((extra.at(-1) as { name: string }).name) : 'multiply_3';
  return {
    module: 'keras',
    class_name: 'Functional',
    config: {
      name: 'keras3_ops',
      layers: [
        layer('InputLayer', 'in', { batch_shape: [null, H, W, C] }, []),
        // Keras 3's MobileNetV3 hard_sigmoid: ReLU(6.)(x + 3.) * (1. / 6.); hard-swish by a Multiply layer.
        operation('numpy', 'Add', 'add', ['in', 3.0]),
        layer('ReLU', 're_lu', { max_value: 6.0, negative_slope: 0.0, threshold: 0.0 }, ['add']),
        operation('numpy', 'Multiply', 'multiply', ['re_lu', 1 / 6]),
        layer('Multiply', 'hswish', {}, ['in', 'multiply']),
        // Two tensors, then a constant divisor and nn ops.
        operation('numpy', 'Subtract', 'subtract', ['hswish', 'in']),
        operation('numpy', 'TrueDivide', 'true_divide', ['subtract', 0.25]),
        operation('nn', 'Relu6', 'relu6', ['true_divide']),
        // The number first (`1.0 + t`, `0.5 - t`): KerasTensor.__radd__ / __rsub__ write [number, tensor].
        operation('numpy', 'Add', 'add_1', [1.0, 'relu6']),
        operation('numpy', 'Divide', 'divide', ['hswish', 'add_1']),
        operation('numpy', 'Subtract', 'subtract_1', [0.5, 'divide']),
        operation('nn', 'HardSigmoid', 'hard_sigmoid', ['in']),
        operation('numpy', 'Multiply', 'multiply_1', ['subtract_1', 'hard_sigmoid']),
        // Broadcasting where a dimension is 1: a [1, 1, C] squeeze times the [H, W, C] map.
        layer('GlobalAveragePooling2D', 'squeeze', { keepdims: true }, ['in']),
        operation('nn', 'HardSilu', 'hard_silu', ['squeeze']),
        operation('numpy', 'Multiply', 'multiply_2', ['multiply_1', 'hard_silu']),
        operation('numpy', 'Negative', 'negative', ['in']),
        operation('numpy', 'Multiply', 'multiply_3', ['multiply_2', 'negative']),
        ...extra,
        layer('GlobalAveragePooling2D', 'gap', {}, [last]),
        layer('Dense', 'out', { units: K, activation: 'linear' }, ['gap']),
      ],
      input_layers: ['in', 0, 0],
      output_layers: ['out', 0, 0],
    },
  };
}

const kernel = Float32Array.from({ length: C * K }, (_, i) => Math.sin(1.3 * i + 0.4));
const bias = Float32Array.from({ length: K }, (_, i) => 0.1 * i - 0.05);
const weightLayers = [{ name: 'out', weights: [{ name: 'kernel', shape: [C, K], data: kernel }, { name: 'bias', shape: [K], data: bias }] }];
// Spread over [−5, 5] so ReLU(6), relu6 and hard_sigmoid clip on both sides for some values.
const xs = Float64Array.from({ length: H * W * C }, (_, i) => 5 * Math.sin(2.7 * i + 0.3));

const relu6 = (v: number) => Math.min(Math.max(v, 0), 6);
const hardSigmoid = (v: number) => relu6(v + 3) / 6;

/** The model by hand in float64: per value, then the poolings and the dense layer. */
function reference(x: Float64Array): number[] {
  const squeeze = new Float64Array(C);
  for (let p = 0; p < H * W; p++) for (let c = 0; c < C; c++) squeeze[c]! += x[p * C + c]! / (H * W);
  const feat = new Float64Array(C);
  for (let p = 0; p < H * W; p++) {
    for (let c = 0; c < C; c++) {
      const v = x[p * C + c]!;
      const hsw = v * (relu6(v + 3) * (1 / 6));
      const r6 = relu6((hsw - v) / 0.25);
      const t = (0.5 - hsw / (1 + r6)) * hardSigmoid(v);
      const s = squeeze[c]! * hardSigmoid(squeeze[c]!);
      feat[c]! += (t * s * -v) / (H * W);
    }
  }
  const out: number[] = [];
  for (let k = 0; k < K; k++) {
    let s = bias[k]!;
    for (let c = 0; c < C; c++) s += feat[c]! * kernel[c * K + k]!;
    out.push(s);
  }
  return out;
}

describe('Keras 3 operation nodes (arithmetic on Keras tensors in a functional model)', () => {
  const model = buildFromKerasConfig(config(), weightLayers, { dtype: 'float64' });

  it('wires the tensors among the positional args, in order; numbers are constants', () => {
    expect(model.inputsOfLayer('add')).toEqual(['in']);
    expect(model.inputsOfLayer('add_1')).toEqual(['relu6']);
    expect(model.inputsOfLayer('subtract')).toEqual(['hswish', 'in']);
    expect(model.inputsOfLayer('divide')).toEqual(['hswish', 'add_1']);
    expect(model.layerKind('multiply')).toBe('kerasOp');
    // The Multiply layer (module keras.layers) stays a merge layer.
    expect(model.layerKind('hswish')).toBe('multiply');
    expect(model.layerShape('multiply_2')).toEqual([H, W, C]);
    expect(summarizeModelConfig(config()).layers.filter((l) => l.unsupported)).toEqual([]);
  });

  it('forward matches the float64 loop reference', async () => {
    await expectOutputMatchesReference({ model, x: xs, shape: [1, H, W, C], reference });
  });

  it('input gradient matches central differences of the reference', async () => {
    const notTiny = await expectInputGradientMatchesReference({ model, x: xs, shape: [1, H, W, C], weights: [0.7, -1.1, 0.4], reference });
    expect(notTiny).toBeGreaterThan(xs.length / 2);
  });

  it('reads the public module path (keras.ops.numpy) too', async () => {
    const c = config();
    const layers = (c.config as { layers: Record<string, unknown>[] }).layers;
    for (const l of layers) if (typeof l.module === 'string') l.module = l.module.replace('keras.src.ops', 'keras.ops');
    const y = await buildFromKerasConfig(c, weightLayers, { dtype: 'float64' }).run(fromArray(xs, [1, H, W, C], { dtype: 'float64' })).output.data();
    reference(xs).forEach((v, k) => expect(Math.abs(y[k]! - v)).toBeLessThan(1e-12));
  });

  it('refuses any other operation, or operands it cannot read, in one line naming the layer and the op', () => {
    const other = config([operation('numpy', 'Matmul', 'matmul', ['multiply_3', 'multiply_3'])]);
    expect(() => buildFromKerasConfig(other, weightLayers)).toThrow(/^layer matmul: Keras 3 operation keras\.src\.ops\.numpy\.Matmul .* is not supported \(supported: ops\.Add, [^\n]*$/);
    expect(summarizeModelConfig(other).layers.find((l) => l.name === 'matmul')?.unsupported).toMatch(/keras\.src\.ops\.numpy\.Matmul/);
    const array = config([operation('numpy', 'Add', 'add_2', ['multiply_3', { class_name: '__numpy__', config: { value: [1, 2], dtype: 'float32' } }])]);
    expect(() => buildFromKerasConfig(array, weightLayers)).toThrow(/^layer add_2: operation Add of a tensor and a __numpy__ constant is not supported \(a tensor and a number, or two tensors\)$/);
    const keyword = config([operation('numpy', 'Multiply', 'multiply_4', ['multiply_3'], { x2: 2 })]);
    expect(() => buildFromKerasConfig(keyword, weightLayers)).toThrow(/^layer multiply_4: operation Multiply called with keyword argument\(s\) x2 is not supported/);
    const mismatch = config([operation('numpy', 'Add', 'add_3', ['multiply_3', 'gap_in'])]);
    (mismatch.config as { layers: unknown[] }).layers.splice(-3, 0, layer('GlobalAveragePooling2D', 'gap_in', {}, ['in']));
    expect(() => buildFromKerasConfig(mismatch, weightLayers)).toThrow(/^layer add_3: ops\.Add needs inputs of one shape \(or 1 where they differ\), got/);
  });
});
