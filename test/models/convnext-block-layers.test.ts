/**
 * The layers tf.keras 2.13's ConvNeXt block is made of, as one hand-written functional config in
 * Keras 2's layout: a grouped 7×7-style convolution (groups = channels), LayerNormalization
 * (epsilon 1e-6), Dense on an [H, W, C] map (Keras applies it to the last axis), exact gelu,
 * LayerScale, the linear identity, and the residual `inputs + x` as a TFOpLambda; run and
 * differentiated against a float64 reference written with loops here (its gradient by central
 * differences).
 */
import { describe, expect, it } from 'vitest';
import { buildFromKerasConfig } from '../../src/models/keras-config.js';
import { expectInputGradientMatchesReference, expectOutputMatchesReference } from '../helpers/loop-reference.js';

const H = 3;
const W = 3;
const C = 2;
const E = 4; // the pointwise expansion (Keras: 4 × C)
const K = 3;
const EPS = 1e-6;

function layer(cls: string, name: string, config: Record<string, unknown>, inputs: string[]): Record<string, unknown> {
  return { class_name: cls, config: { name, trainable: true, dtype: 'float32', ...config }, name, inbound_nodes: inputs.length ? [inputs.map((i) => [i, 0, 0, {}])] : [] };
}

const P = 'convnext_tiny_stage_0_block_0';
const config = {
  class_name: 'Functional',
  config: {
    name: 'convnext_block',
    layers: [
      layer('InputLayer', 'in', { batch_input_shape: [null, H, W, C] }, []),
      layer('Conv2D', `${P}_depthwise_conv`, { filters: C, kernel_size: [3, 3], strides: [1, 1], padding: 'same', groups: C, activation: 'linear', use_bias: true }, ['in']),
      layer('LayerNormalization', `${P}_layernorm`, { axis: [3], epsilon: EPS, center: true, scale: true }, [`${P}_depthwise_conv`]),
      layer('Dense', `${P}_pointwise_conv_1`, { units: E, activation: 'linear', use_bias: true }, [`${P}_layernorm`]),
      layer('Activation', `${P}_gelu`, { activation: 'gelu' }, [`${P}_pointwise_conv_1`]),
      layer('Dense', `${P}_pointwise_conv_2`, { units: C, activation: 'linear', use_bias: true }, [`${P}_gelu`]),
      layer('LayerScale', `${P}_layer_scale`, { init_values: 1e-6, projection_dim: C }, [`${P}_pointwise_conv_2`]),
      layer('Activation', `${P}_identity`, { activation: 'linear' }, [`${P}_layer_scale`]),
      { class_name: 'TFOpLambda', config: { name: 'tf.__operators__.add', trainable: true, dtype: 'float32', function: '__operators__.add' }, name: 'tf.__operators__.add', inbound_nodes: [['in', 0, 0, { y: [`${P}_identity`, 0, 0], name: null }]] },
      layer('GlobalAveragePooling2D', 'gap', {}, ['tf.__operators__.add']),
      layer('Dense', 'out', { units: K, activation: 'linear', use_bias: true }, ['gap']),
    ],
    input_layers: [['in', 0, 0]],
    output_layers: [['out', 0, 0]],
  },
};

const seq = (n: number, a: number, b: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(a * i + b));
const dw = seq(9 * C, 1.1, 0.3); // [3, 3, 1, C]
const dwBias = seq(C, 0.7, 0.1);
const lnGamma = Float32Array.from(seq(C, 0.5, 0.2), (v) => 1 + 0.3 * v);
const lnBeta = seq(C, 0.9, 0.4);
const pw1 = seq(C * E, 1.7, 0.5);
const pw1Bias = seq(E, 0.3, 0.9);
const pw2 = seq(E * C, 0.8, 1.3);
const pw2Bias = seq(C, 1.9, 0.2);
const scale = Float32Array.of(0.7, -1.3);
const outK = seq(C * K, 0.6, 0.8);
const outB = seq(K, 1.2, 0.1);
const w = (name: string, shape: number[], data: Float32Array) => ({ name: `${name}:0`, shape, data });
const weightLayers = [
  { name: `${P}_depthwise_conv`, weights: [w('kernel', [3, 3, 1, C], dw), w('bias', [C], dwBias)] },
  { name: `${P}_layernorm`, weights: [w('gamma', [C], lnGamma), w('beta', [C], lnBeta)] },
  { name: `${P}_pointwise_conv_1`, weights: [w('kernel', [C, E], pw1), w('bias', [E], pw1Bias)] },
  { name: `${P}_pointwise_conv_2`, weights: [w('kernel', [E, C], pw2), w('bias', [C], pw2Bias)] },
  { name: `${P}_layer_scale`, weights: [w('gamma', [C], scale)] },
  { name: 'out', weights: [w('kernel', [C, K], outK), w('bias', [K], outB)] },
];
const xs = Float64Array.from({ length: H * W * C }, (_, i) => 1.5 * Math.sin(2.3 * i + 0.7));

const erf = (x: number): number => {
  // Abramowitz–Stegun 7.1.26 is too coarse for 1e-9; a series converges fast for the |x| < 6 here.
  let sum = 0;
  let term = x;
  for (let n = 0; n < 200; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
};

function reference(x: Float64Array): number[] {
  const at = (y: number, xx: number, c: number) => (y < 0 || y >= H || xx < 0 || xx >= W ? 0 : x[(y * W + xx) * C + c]!);
  const pooled = new Float64Array(C);
  for (let y = 0; y < H; y++) {
    for (let xx = 0; xx < W; xx++) {
      const d = Array.from({ length: C }, (_, c) => {
        let s = dwBias[c]!;
        for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) s += at(y + i - 1, xx + j - 1, c) * dw[(i * 3 + j) * C + c]!;
        return s;
      });
      const mean = d.reduce((a, v) => a + v, 0) / C;
      const v = d.reduce((a, t) => a + (t - mean) ** 2, 0) / C;
      const ln = d.map((t, c) => ((t - mean) / Math.sqrt(v + EPS)) * lnGamma[c]! + lnBeta[c]!);
      const h = Array.from({ length: E }, (_, e) => {
        const z = ln.reduce((a, t, c) => a + t * pw1[c * E + e]!, pw1Bias[e]!);
        return 0.5 * z * (1 + erf(z / Math.SQRT2));
      });
      for (let c = 0; c < C; c++) {
        const p = h.reduce((a, t, e) => a + t * pw2[e * C + c]!, pw2Bias[c]!);
        pooled[c]! += (x[(y * W + xx) * C + c]! + scale[c]! * p) / (H * W);
      }
    }
  }
  return Array.from({ length: K }, (_, k) => pooled.reduce((a, p, c) => a + p * outK[c * K + k]!, outB[k]!));
}

describe("ConvNeXt's block layers (tf.keras 2.13)", () => {
  const model = buildFromKerasConfig(config, weightLayers, { dtype: 'float64' });

  it('Dense on an [H, W, C] map acts on the last axis; the shapes are Keras\'s', () => {
    expect(model.layerShape(`${P}_pointwise_conv_1`)).toEqual([H, W, E]);
    expect(model.layerShape(`${P}_layer_scale`)).toEqual([H, W, C]);
  });

  it('forward matches the float64 loop reference (to gelu\'s erfc fit, 1.2e-7 relative)', async () => {
    await expectOutputMatchesReference({ model, x: xs, shape: [1, H, W, C], reference, tolerance: 1e-7 });
  });

  it('input gradient matches central differences of the reference', async () => {
    await expectInputGradientMatchesReference({ model, x: xs, shape: [1, H, W, C], weights: [0.9, -0.4, 1.1], reference, h: 1e-5 });
  });
});
