/**
 * A tiny functional ResNet-like model (input 6×6×3: conv1 → bn1 → relu1 → conv2 → bn2 →
 * add(bn2, relu1) → relu2 → gap → predictions softmax), its Keras 2 and Keras 3 model configs,
 * seeded weights, and a float64 reference forward pass written with plain loops (independent of
 * stieltjes's ops). The .h5 is written in Keras 2's full-model layout by scripts/keras-h5-writer.ts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Random } from '../../src/tensor/random.js';
import type { WeightLayer } from '../../src/models/weights-source.js';
import { writeKerasModelH5 } from '../../scripts/keras-h5-writer.js';

export const H = 6;
export const W = 6;
export const CIN = 3;
export const C = 4;
export const CLASSES = 3;
export const EPSILON = 1.001e-5;

export interface TinyResnetWeights {
  conv1: { kernel: Float32Array; bias: Float32Array };
  bn1: BnWeights;
  conv2: { kernel: Float32Array; bias: Float32Array };
  bn2: BnWeights;
  dense: { kernel: Float32Array; bias: Float32Array };
}
interface BnWeights {
  gamma: Float32Array;
  beta: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
}

export function tinyResnetWeights(seed = 7): TinyResnetWeights {
  const rng = new Random(seed);
  const normal = (n: number, m: number, s: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal(m, s));
  const bn = (): BnWeights => ({
    gamma: normal(C, 1, 0.2),
    beta: normal(C, 0, 0.2),
    mean: normal(C, 0, 0.3),
    variance: Float32Array.from({ length: C }, () => 0.5 + rng.uniform()),
  });
  return {
    conv1: { kernel: normal(3 * 3 * CIN * C, 0, 0.4), bias: normal(C, 0, 0.1) },
    bn1: bn(),
    conv2: { kernel: normal(3 * 3 * C * C, 0, 0.4), bias: normal(C, 0, 0.1) },
    bn2: bn(),
    dense: { kernel: normal(C * CLASSES, 0, 0.8), bias: normal(CLASSES, 0, 0.1) },
  };
}

/** The layers in file order with Keras 2 weight names (kernel:0, gamma:0, …). */
export function tinyResnetWeightLayers(w: TinyResnetWeights): (WeightLayer & { className: string })[] {
  const conv = (name: string, k: { kernel: Float32Array; bias: Float32Array }, cin: number) => ({
    name,
    className: 'Conv2D',
    weights: [
      { name: 'kernel:0', shape: [3, 3, cin, C], data: k.kernel },
      { name: 'bias:0', shape: [C], data: k.bias },
    ],
  });
  const bn = (name: string, b: BnWeights) => ({
    name,
    className: 'BatchNormalization',
    weights: [
      { name: 'gamma:0', shape: [C], data: b.gamma },
      { name: 'beta:0', shape: [C], data: b.beta },
      { name: 'moving_mean:0', shape: [C], data: b.mean },
      { name: 'moving_variance:0', shape: [C], data: b.variance },
    ],
  });
  const none = (name: string, className: string) => ({ name, className, weights: [] });
  return [
    conv('conv1', w.conv1, CIN),
    bn('bn1', w.bn1),
    none('relu1', 'Activation'),
    conv('conv2', w.conv2, C),
    bn('bn2', w.bn2),
    none('add', 'Add'),
    none('relu2', 'Activation'),
    none('gap', 'GlobalAveragePooling2D'),
    {
      name: 'predictions',
      className: 'Dense',
      weights: [
        { name: 'kernel:0', shape: [C, CLASSES], data: w.dense.kernel },
        { name: 'bias:0', shape: [CLASSES], data: w.dense.bias },
      ],
    },
  ];
}

/** Each layer's Keras class, config and inputs, shared by both generations' configs. */
function layerSpecs(): { cls: string; name: string; config: Record<string, unknown>; inputs: string[] }[] {
  const conv = { filters: C, kernel_size: [3, 3], strides: [1, 1], padding: 'same', data_format: 'channels_last', dilation_rate: [1, 1], groups: 1, activation: 'linear', use_bias: true };
  const bn = { axis: [3], momentum: 0.99, epsilon: EPSILON, center: true, scale: true };
  return [
    { cls: 'Conv2D', name: 'conv1', config: conv, inputs: ['input_1'] },
    { cls: 'BatchNormalization', name: 'bn1', config: bn, inputs: ['conv1'] },
    { cls: 'Activation', name: 'relu1', config: { activation: 'relu' }, inputs: ['bn1'] },
    { cls: 'Conv2D', name: 'conv2', config: conv, inputs: ['relu1'] },
    { cls: 'BatchNormalization', name: 'bn2', config: bn, inputs: ['conv2'] },
    { cls: 'Add', name: 'add', config: {}, inputs: ['bn2', 'relu1'] },
    { cls: 'Activation', name: 'relu2', config: { activation: 'relu' }, inputs: ['add'] },
    { cls: 'GlobalAveragePooling2D', name: 'gap', config: { data_format: 'channels_last', keepdims: false }, inputs: ['relu2'] },
    { cls: 'Dense', name: 'predictions', config: { units: CLASSES, activation: 'softmax', use_bias: true }, inputs: ['gap'] },
  ];
}

/** What tf.keras 2.13 writes as `model_config` for this model (trimmed of initialisers). */
export function keras2Config(): object {
  const input = { class_name: 'InputLayer', config: { batch_input_shape: [null, H, W, CIN], dtype: 'float32', sparse: false, ragged: false, name: 'input_1' }, name: 'input_1', inbound_nodes: [] };
  const layers = layerSpecs().map((l) => ({
    class_name: l.cls,
    config: { name: l.name, trainable: true, dtype: 'float32', ...l.config },
    name: l.name,
    inbound_nodes: [l.inputs.map((i) => [i, 0, 0, {}])],
  }));
  return {
    class_name: 'Functional',
    config: { name: 'tiny_resnet', trainable: true, layers: [input, ...layers], input_layers: [['input_1', 0, 0]], output_layers: [['predictions', 0, 0]] },
    keras_version: '2.13.1',
    backend: 'tensorflow',
  };
}

/** What Keras 3 writes in a .keras archive's config.json for this model (trimmed). */
export function keras3Config(): object {
  const tensor = (from: string) => ({ class_name: '__keras_tensor__', config: { shape: [null], dtype: 'float32', keras_history: [from, 0, 0] } });
  const input = {
    module: 'keras.layers',
    class_name: 'InputLayer',
    config: { batch_shape: [null, H, W, CIN], dtype: 'float32', sparse: false, name: 'input_1' },
    registered_name: null,
    name: 'input_1',
    inbound_nodes: [],
  };
  const layers = layerSpecs().map((l) => ({
    module: 'keras.layers',
    class_name: l.cls,
    config: { name: l.name, trainable: true, dtype: 'float32', ...l.config, ...(l.cls === 'BatchNormalization' ? { axis: -1 } : {}) },
    registered_name: null,
    build_config: { input_shape: [null] },
    name: l.name,
    inbound_nodes: [{ args: l.inputs.length === 1 ? [tensor(l.inputs[0]!)] : [l.inputs.map(tensor)], kwargs: {} }],
  }));
  return {
    module: 'keras',
    class_name: 'Functional',
    config: { name: 'tiny_resnet', trainable: true, layers: [input, ...layers], input_layers: ['input_1', 0, 0], output_layers: ['predictions', 0, 0] },
    registered_name: 'Functional',
  };
}

export async function writeTinyResnetH5(path: string, w: TinyResnetWeights): Promise<void> {
  await writeKerasModelH5(path, { modelConfig: keras2Config(), layers: tinyResnetWeightLayers(w) });
}

/** The Keras 2 `.h5` file's bytes (written to a temporary folder, read back, removed). */
export async function tinyResnetH5Bytes(w: TinyResnetWeights): Promise<Uint8Array> {
  const dir = mkdtempSync(join(tmpdir(), 'stieltjes-tiny-resnet-'));
  try {
    await writeTinyResnetH5(join(dir, 'tiny_resnet.h5'), w);
    const b = readFileSync(join(dir, 'tiny_resnet.h5'));
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A seeded input batch of one, [1, 6, 6, 3]. */
export function tinyResnetInput(seed = 11): Float64Array {
  const rng = new Random(seed);
  return Float64Array.from({ length: H * W * CIN }, () => rng.normal(0, 1));
}

// ---- the float64 reference, plain loops over [H, W, C] arrays ----

function conv3x3Same(x: Float64Array, cin: number, k: Float32Array, b: Float32Array): Float64Array {
  const y = new Float64Array(H * W * C);
  for (let i = 0; i < H; i++)
    for (let j = 0; j < W; j++)
      for (let o = 0; o < C; o++) {
        let s = b[o]!;
        for (let di = 0; di < 3; di++)
          for (let dj = 0; dj < 3; dj++) {
            const ii = i + di - 1;
            const jj = j + dj - 1;
            if (ii < 0 || ii >= H || jj < 0 || jj >= W) continue;
            for (let c = 0; c < cin; c++) s += x[(ii * W + jj) * cin + c]! * k[((di * 3 + dj) * cin + c) * C + o]!;
          }
        y[(i * W + j) * C + o] = s;
      }
  return y;
}

function batchNorm(x: Float64Array, p: BnWeights): Float64Array {
  return x.map((v, i) => {
    const c = i % C;
    return (p.gamma[c]! * (v - p.mean[c]!)) / Math.sqrt(p.variance[c]! + EPSILON) + p.beta[c]!;
  });
}

const relu = (x: Float64Array): Float64Array => x.map((v) => Math.max(v, 0));

/** The head from conv2's output A, with the skip (relu1's output) given: logits and probabilities. */
export function referenceHead(w: TinyResnetWeights, conv2: Float64Array, relu1: Float64Array): { logits: Float64Array; probs: Float64Array; relu2: Float64Array } {
  const bn2 = batchNorm(conv2, w.bn2);
  const relu2 = relu(bn2.map((v, i) => v + relu1[i]!));
  const gap = new Float64Array(C);
  relu2.forEach((v, i) => (gap[i % C] = gap[i % C]! + v / (H * W)));
  const logits = new Float64Array(CLASSES);
  for (let o = 0; o < CLASSES; o++) {
    let s = w.dense.bias[o]!;
    for (let c = 0; c < C; c++) s += gap[c]! * w.dense.kernel[c * CLASSES + o]!;
    logits[o] = s;
  }
  const m = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - m));
  const z = e.reduce((a, b) => a + b, 0);
  return { logits, probs: e.map((v) => v / z), relu2 };
}

export function referenceForward(w: TinyResnetWeights, x: Float64Array) {
  const relu1 = relu(batchNorm(conv3x3Same(x, CIN, w.conv1.kernel, w.conv1.bias), w.bn1));
  const conv2 = conv3x3Same(relu1, C, w.conv2.kernel, w.conv2.bias);
  return { relu1, conv2, ...referenceHead(w, conv2, relu1) };
}
