/**
 * The digit CNN's architecture, described once and used three ways: to initialise its weights
 * (seeded He / Glorot normals), to build the project's own Layer objects around the current
 * weights at every training step (so training runs the exact code that inference runs), and to
 * write the Keras 2 model config that buildFromKerasConfig reads back.
 */
import { randomNormal, zeros } from '../src/tensor/creation.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { Conv2DLayer, DenseLayer, FlattenLayer, Pool2DLayer, type Activation, type Layer } from '../src/models/layers.js';

export type LayerSpec =
  | { kind: 'conv'; name: string; filters: number }
  | { kind: 'pool'; name: string }
  | { kind: 'flatten'; name: string }
  | { kind: 'dense'; name: string; units: number; activation: Activation };

export const INPUT_SHAPE: readonly [number, number, number] = [28, 28, 1];
export const NUM_CLASSES = 10;

/** VGG-style: two blocks of 3×3 'same' ReLU convolutions and a 2×2 max pool, then fc1 and a softmax head. */
export const DIGIT_CNN: readonly LayerSpec[] = [
  { kind: 'conv', name: 'block1_conv1', filters: 8 },
  { kind: 'conv', name: 'block1_conv2', filters: 8 },
  { kind: 'pool', name: 'block1_pool' },
  { kind: 'conv', name: 'block2_conv1', filters: 16 },
  { kind: 'conv', name: 'block2_conv2', filters: 16 },
  { kind: 'pool', name: 'block2_pool' },
  { kind: 'flatten', name: 'flatten' },
  { kind: 'dense', name: 'fc1', units: 64, activation: 'relu' },
  { kind: 'dense', name: 'predictions', units: NUM_CLASSES, activation: 'softmax' },
];

/** A weighted layer's parameter shapes and how to initialise its kernel. */
export interface WeightedLayerShape {
  name: string;
  kernel: number[];
  bias: number[];
  /** He for ReLU layers, Glorot for the softmax head: the normal's standard deviation. */
  initStd: number;
}

/** Walks the spec from the input shape, giving each weighted layer's kernel and bias shapes. */
export function weightedLayerShapes(spec: readonly LayerSpec[] = DIGIT_CNN): WeightedLayerShape[] {
  let [h, w, c] = INPUT_SHAPE;
  let flat = 0;
  const out: WeightedLayerShape[] = [];
  for (const l of spec) {
    switch (l.kind) {
      case 'conv': {
        const fanIn = 9 * c;
        out.push({ name: l.name, kernel: [3, 3, c, l.filters], bias: [l.filters], initStd: Math.sqrt(2 / fanIn) });
        c = l.filters;
        break;
      }
      case 'pool':
        h = Math.floor(h / 2);
        w = Math.floor(w / 2);
        break;
      case 'flatten':
        flat = h * w * c;
        break;
      case 'dense': {
        const fanIn = flat;
        const std = l.activation === 'relu' ? Math.sqrt(2 / fanIn) : Math.sqrt(2 / (fanIn + l.units));
        out.push({ name: l.name, kernel: [fanIn, l.units], bias: [l.units], initStd: std });
        flat = l.units;
        break;
      }
    }
  }
  return out;
}

/** Initial parameters, kernel then bias for each weighted layer, float32 on the default backend. */
export function initialParameters(seed: number, spec: readonly LayerSpec[] = DIGIT_CNN): Tensor[] {
  return weightedLayerShapes(spec).flatMap((s, i) => [randomNormal(s.kernel, 0, s.initStd, { seed: seed * 1000 + i }), zeros(s.bias)]);
}

export function parameterCount(spec: readonly LayerSpec[] = DIGIT_CNN): number {
  const size = (s: number[]): number => s.reduce((a, b) => a * b, 1);
  return weightedLayerShapes(spec).reduce((n, s) => n + size(s.kernel) + size(s.bias), 0);
}

/** The layers around the given parameters (in initialParameters order). */
export function buildLayers(params: readonly Tensor[], spec: readonly LayerSpec[] = DIGIT_CNN): Layer[] {
  let next = 0;
  const take = (): [Tensor, Tensor] => {
    const kernel = params[next++];
    const bias = params[next++];
    if (!kernel || !bias) throw new Error(`digit CNN: ${params.length} parameter tensors are too few for the architecture`);
    return [kernel, bias];
  };
  const layers = spec.map((l): Layer => {
    switch (l.kind) {
      case 'conv': {
        const [k, b] = take();
        return new Conv2DLayer(l.name, k, b, { padding: 'same', activation: 'relu' });
      }
      case 'pool':
        return new Pool2DLayer(l.name, 'maxPool2d', { window: 2, strides: 2, padding: 'valid' });
      case 'flatten':
        return new FlattenLayer(l.name, 'hwc');
      case 'dense': {
        const [k, b] = take();
        return new DenseLayer(l.name, k, b, l.activation);
      }
    }
  });
  if (next !== params.length) throw new Error(`digit CNN: ${params.length} parameter tensors, the architecture uses ${next}`);
  return layers;
}

/** The Keras 2.13 Sequential config (what `model.to_json()` gives) of the architecture. */
export function kerasModelConfig(modelName: string, spec: readonly LayerSpec[] = DIGIT_CNN): object {
  const batchInputShape = [null, ...INPUT_SHAPE];
  const zerosInit = { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null };
  const initializer = (cls: string) => ({ module: 'keras.initializers', class_name: cls, config: { seed: null }, registered_name: null });
  const noRegularisers = { kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null };
  const layers: object[] = [
    { class_name: 'InputLayer', config: { batch_input_shape: batchInputShape, dtype: 'float32', sparse: false, ragged: false, name: 'input_1' } },
  ];
  for (const l of spec) {
    const base = { name: l.name, trainable: true, dtype: 'float32' };
    switch (l.kind) {
      case 'conv':
        layers.push({
          class_name: 'Conv2D',
          config: {
            ...base,
            filters: l.filters,
            kernel_size: [3, 3],
            strides: [1, 1],
            padding: 'same',
            data_format: 'channels_last',
            dilation_rate: [1, 1],
            groups: 1,
            activation: 'relu',
            use_bias: true,
            kernel_initializer: initializer('HeNormal'),
            bias_initializer: zerosInit,
            ...noRegularisers,
          },
        });
        break;
      case 'pool':
        layers.push({
          class_name: 'MaxPooling2D',
          config: { ...base, pool_size: [2, 2], padding: 'valid', strides: [2, 2], data_format: 'channels_last' },
        });
        break;
      case 'flatten':
        layers.push({ class_name: 'Flatten', config: { ...base, data_format: 'channels_last' } });
        break;
      case 'dense':
        layers.push({
          class_name: 'Dense',
          config: {
            ...base,
            units: l.units,
            activation: l.activation,
            use_bias: true,
            kernel_initializer: initializer(l.activation === 'relu' ? 'HeNormal' : 'GlorotNormal'),
            bias_initializer: zerosInit,
            ...noRegularisers,
          },
        });
        break;
    }
  }
  return { class_name: 'Sequential', config: { name: modelName, layers } };
}
