/**
 * Builds a SequentialModel from a Keras model configuration (the JSON of `model.to_json()`, or
 * the `model_config` attribute of a full-model .h5) and the file's weighted layers. Understands
 * Keras 1 names (Convolution2D, nb_filter, border_mode, dim_ordering 'th') and Keras 2/3 names.
 * Theano-ordered models are converted to NHWC: kernels un-flipped and transposed to HWIO, the
 * input read as [H, W, C], and Flatten kept in (c, h, w) order so dense weights still fit.
 */
import type { Backend } from '../kernels/backend.js';
import type { DType } from '../tensor/dtype.js';
import { fromArray } from '../tensor/creation.js';
import { getBackend } from '../tensor/engine.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  ActivationLayer,
  Conv2DLayer,
  DenseLayer,
  FlattenLayer,
  GlobalAveragePoolLayer,
  IdentityLayer,
  Pool2DLayer,
  type Activation,
  type Layer,
} from './layers.js';
import { noPreprocessing, type Preprocessing } from './preprocessing.js';
import { SequentialModel } from './sequential.js';
import type { WeightArray, WeightLayer } from './weights-source.js';

interface LayerConfig {
  class_name: string;
  config: Record<string, unknown>;
}

export interface KerasConfigOptions {
  backend?: Backend;
  /** float32 (default) or float64 (CPU only). */
  dtype?: DType;
  preprocessing?: Preprocessing;
  name?: string;
}

/** The layer list of a Sequential or functional-but-linear model config. */
export function configLayers(config: unknown): LayerConfig[] {
  const c = config as { class_name?: string; config?: unknown };
  const inner = c?.config;
  const list = Array.isArray(inner) ? inner : (inner as { layers?: unknown })?.layers;
  if (!Array.isArray(list)) throw new Error('model config: no layer list found (expected a Sequential or linear Model config)');
  return list.map((l, i) => {
    const lc = l as LayerConfig;
    if (typeof lc?.class_name !== 'string' || typeof lc.config !== 'object' || lc.config === null) {
      throw new Error(`model config: layer ${i} has no class_name/config`);
    }
    return lc;
  });
}

export function buildFromKerasConfig(config: unknown, weightLayers: readonly WeightLayer[], opts: KerasConfigOptions = {}): SequentialModel {
  const backend = opts.backend ?? getBackend();
  const layers = configLayers(config);
  const byName = new Map(weightLayers.map((l) => [l.name, l]));
  // Keras 3 files name groups by class, not by layer: fall back to order among weighted layers.
  const weightedInOrder = weightLayers.filter((l) => l.weights.length > 0);
  let nextWeighted = 0;
  const weightsFor = (name: string, expected: number): readonly WeightArray[] => {
    const hit = byName.get(name);
    const src = hit && hit.weights.length > 0 ? hit : weightedInOrder[nextWeighted];
    nextWeighted++;
    if (!src || src.weights.length < expected) {
      throw new Error(`layer ${name}: the weight file has no weights for it (expected ${expected} arrays)`);
    }
    return src.weights;
  };
  const upload = (w: WeightArray, shape?: readonly number[]): Tensor => fromArray(w.data, shape ?? w.shape, { backend, dtype: opts.dtype });

  let inputShape: number[] | null = null;
  let theano = false;
  const out: Layer[] = [];
  for (const { class_name: cls, config: c } of layers) {
    const name = String(c.name ?? `${cls.toLowerCase()}_${out.length}`);
    const batchShape = (c.batch_input_shape ?? c.batch_shape) as (number | null)[] | undefined;
    const ordering = (c.dim_ordering ?? c.data_format) as string | undefined;
    if (ordering === 'th' || ordering === 'channels_first') theano = true;
    if (batchShape && !inputShape) {
      const s = batchShape.slice(1) as number[];
      inputShape = theano && s.length === 3 ? [s[1]!, s[2]!, s[0]!] : s;
    }
    switch (cls) {
      case 'InputLayer':
        break;
      case 'Conv2D':
      case 'Convolution2D': {
        const useBias = c.use_bias ?? c.bias ?? true;
        const ws = weightsFor(name, useBias ? 2 : 1);
        const kernel = theano ? theanoKernelToHwio(name, ws[0]!) : upload(ws[0]!);
        const strides = pair(c.strides ?? c.subsample, 1);
        const dilations = pair(c.dilation_rate, 1);
        const padding = String(c.padding ?? c.border_mode ?? 'valid');
        if (padding !== 'same' && padding !== 'valid') throw new Error(`layer ${name}: padding '${padding}' is not supported`);
        out.push(new Conv2DLayer(name, kernel, useBias ? upload(ws[1]!) : null, { strides, dilations, padding, activation: activation(name, c.activation) }));
        break;
      }
      case 'Dense': {
        const useBias = c.use_bias ?? c.bias ?? true;
        const ws = weightsFor(name, useBias ? 2 : 1);
        out.push(new DenseLayer(name, upload(ws[0]!), useBias ? upload(ws[1]!) : null, activation(name, c.activation)));
        break;
      }
      case 'MaxPooling2D':
      case 'MaxPool2D':
      case 'AveragePooling2D':
      case 'AvgPool2D': {
        const window = pair(c.pool_size, 2);
        const strides = pair(c.strides ?? c.pool_size, 2);
        const padding = String(c.padding ?? c.border_mode ?? 'valid') as 'same' | 'valid';
        out.push(new Pool2DLayer(name, cls.startsWith('Max') ? 'maxPool2d' : 'avgPool2d', { window, strides, padding }));
        break;
      }
      case 'GlobalAveragePooling2D':
        out.push(new GlobalAveragePoolLayer(name));
        break;
      case 'Flatten':
        out.push(new FlattenLayer(name, theano ? 'chw' : 'hwc'));
        break;
      case 'Activation':
        out.push(new ActivationLayer(name, activation(name, c.activation)));
        break;
      case 'Dropout':
      case 'SpatialDropout2D':
      case 'GaussianNoise':
        out.push(new IdentityLayer(name, cls));
        break;
      default:
        throw new Error(`layer ${name}: Keras layer class ${cls} is not supported (supported: Conv2D, Dense, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, Flatten, Activation, Dropout, InputLayer)`);
    }
  }
  if (!inputShape || inputShape.length !== 3 || inputShape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new Error(`model config: the input shape ${JSON.stringify(inputShape)} is not a fixed [H, W, C] image shape`);
  }
  return new SequentialModel(opts.name ?? 'keras-model', out, inputShape as [number, number, number], opts.preprocessing ?? noPreprocessing);

  /** Theano kernels are (Cout, Cin, kh, kw) and flipped (true convolution): un-flip to HWIO. */
  function theanoKernelToHwio(name: string, w: WeightArray): Tensor {
    if (w.shape.length !== 4) throw new Error(`layer ${name}: Theano kernel must be rank 4, got ${formatShape(w.shape)}`);
    const [co, ci, kh, kw] = w.shape as [number, number, number, number];
    const out = new Float32Array(w.data.length);
    for (let o = 0; o < co; o++)
      for (let i = 0; i < ci; i++)
        for (let y = 0; y < kh; y++)
          for (let x = 0; x < kw; x++) {
            out[((y * kw + x) * ci + i) * co + o] = w.data[((o * ci + i) * kh + (kh - 1 - y)) * kw + (kw - 1 - x)]!;
          }
    return fromArray(out, [kh, kw, ci, co], { backend, dtype: opts.dtype });
  }
}

function pair(v: unknown, dflt: number): [number, number] {
  if (v === undefined || v === null) return [dflt, dflt];
  if (typeof v === 'number') return [v, v];
  const a = v as number[];
  return [a[0]!, a[1]!];
}

function activation(layer: string, a: unknown): Activation {
  const s = a === undefined || a === null ? 'linear' : String(a);
  if (s === 'linear' || s === 'relu' || s === 'softmax') return s;
  throw new Error(`layer ${layer}: activation '${s}' is not supported (linear, relu, softmax)`);
}
