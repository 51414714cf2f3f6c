/**
 * tf.keras 2.13's CustomScaleLayer (InceptionResNetV2's scaled residual, x + scale·r): a hand-written
 * functional config under both names a file may use, run and differentiated against a float64
 * reference written with loops here (its gradient by central differences).
 */
import { describe, expect, it } from 'vitest';
import { buildFromKerasConfig } from '../../src/models/keras-config.js';
import { expectInputGradientMatchesReference, expectOutputMatchesReference } from '../helpers/loop-reference.js';

const H = 3;
const W = 2;
const C = 2;
const K = 3;
const SCALE = 0.17;

function layer(cls: string, name: string, config: Record<string, unknown>, inputs: string[]): Record<string, unknown> {
  return { class_name: cls, config: { name, trainable: true, dtype: 'float32', ...config }, name, inbound_nodes: inputs.length ? [inputs.map((i) => [i, 0, 0, {}])] : [] };
}

function config(cls: string): Record<string, unknown> {
  return {
    class_name: 'Functional',
    config: {
      name: 'scaled_residual',
      layers: [
        layer('InputLayer', 'in', { batch_input_shape: [null, H, W, C] }, []),
        layer('Activation', 'branch', { activation: 'tanh' }, ['in']),
        // Keras's order: [shortcut, residual]; only the second is scaled.
        layer(cls, 'custom_scale_layer', { scale: SCALE }, ['in', 'branch']),
        layer('Activation', 'block35_1_ac', { activation: 'relu' }, ['custom_scale_layer']),
        layer('GlobalAveragePooling2D', 'gap', {}, ['block35_1_ac']),
        layer('Dense', 'out', { units: K, activation: 'linear' }, ['gap']),
      ],
      input_layers: [['in', 0, 0]],
      output_layers: [['out', 0, 0]],
    },
  };
}

const kernel = Float32Array.from({ length: C * K }, (_, i) => Math.cos(0.9 * i + 0.2));
const bias = Float32Array.from({ length: K }, (_, i) => 0.05 * i);
const weightLayers = [{ name: 'out', weights: [{ name: 'out/kernel:0', shape: [C, K], data: kernel }, { name: 'out/bias:0', shape: [K], data: bias }] }];
const xs = Float64Array.from({ length: H * W * C }, (_, i) => 2 * Math.sin(1.9 * i + 0.5));

function reference(x: Float64Array): number[] {
  const feat = new Float64Array(C);
  for (let p = 0; p < H * W; p++) for (let c = 0; c < C; c++) feat[c]! += Math.max(0, x[p * C + c]! + SCALE * Math.tanh(x[p * C + c]!)) / (H * W);
  return Array.from({ length: K }, (_, k) => feat.reduce((s, f, c) => s + f * kernel[c * K + k]!, bias[k]!));
}

describe.each(['CustomScaleLayer', 'Custom>CustomScaleLayer'])('%s (InceptionResNetV2)', (cls) => {
  const model = buildFromKerasConfig(config(cls), weightLayers, { dtype: 'float64' });

  it('forward matches the float64 loop reference', async () => {
    expect(model.inputsOfLayer('custom_scale_layer')).toEqual(['in', 'branch']);
    await expectOutputMatchesReference({ model, x: xs, shape: [1, H, W, C], reference });
  });

  it('input gradient matches central differences of the reference', async () => {
    await expectInputGradientMatchesReference({ model, x: xs, shape: [1, H, W, C], weights: [0.6, -0.8, 1.2], reference });
  });
});

it('two inputs of different shapes are refused naming the layer', () => {
  const bad = config('CustomScaleLayer');
  const layers = (bad.config as { layers: Record<string, unknown>[] }).layers;
  layers[1] = layer('GlobalAveragePooling2D', 'branch', { keepdims: true }, ['in']);
  expect(() => buildFromKerasConfig(bad, weightLayers, { dtype: 'float64' })).toThrow(/layer custom_scale_layer: CustomScaleLayer needs two inputs of one shape/);
});
