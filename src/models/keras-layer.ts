/**
 * One Keras layer config → one stieltjes layer, for sequential and functional models alike.
 * Understands Keras 1 names (Convolution2D, nb_filter, border_mode) and Keras 2/3 names. Layers
 * stieltjes cannot run get one line naming them and why.
 */
import type { Tensor } from '../tensor/tensor.js';
import { ACTIVATIONS, parseActivation, type Activation } from './activations.js';
import { BatchNormLayer } from './batch-norm-layer.js';
import type { GraphLayer } from './graph-model.js';
import {
  ActivationLayer,
  Conv2DLayer,
  DenseLayer,
  FlattenLayer,
  GlobalAveragePoolLayer,
  GlobalMaxPoolLayer,
  IdentityLayer,
  Pool2DLayer,
  ZeroPadding2DLayer,
} from './layers.js';
import { DepthwiseConv2DLayer, SeparableConv2DLayer } from './depthwise-layers.js';
import { GroupedConv2DLayer } from './grouped-conv-layer.js';
import { LayerNormLayer } from './layer-norm-layer.js';
import { LayerScaleLayer } from './layer-scale-layer.js';
import { ConcatenateLayer, ElementwiseMergeLayer, type ElementwiseMergeKind } from './merge-layers.js';
import { eluLayer, leakyReluLayer, normalizationLayer, preluLayer, reluLayer, rescalingLayer } from './pointwise-layers.js';
import { SCALED_RESIDUAL_CLASSES, ScaledResidualLayer } from './scaled-residual-layer.js';
import { Cropping2DLayer, PermuteLayer, ReshapeLayer } from './shape-layers.js';
import { buildTfOpLayer, SUPPORTED_TF_OPS, tfOpProblem } from './tf-op-layers.js';
import type { Backend } from '../kernels/backend.js';
import type { DType } from '../tensor/dtype.js';
import type { WeightArray } from './weights-source.js';

/** What building a layer needs from the model being built. */
export interface KerasLayerContext {
  backend: Backend;
  dtype?: DType;
  /** True for a Keras 3 config (its layers carry `module`), whose hard_sigmoid differs from Keras 1/2's. */
  keras3?: boolean;
  /** True for Theano-ordered (channels-first) Keras 1 models, converted to NHWC. */
  theano: boolean;
  /** True for Keras 1 channels-first kernels, stored (Cout, Cin, kh, kw); Keras 2 stores HWIO always. */
  kernelsOihw?: boolean;
  /** The layer's weight arrays in file order (at least `expected` of them). */
  weightsFor(name: string, expected: number): readonly WeightArray[];
  upload(w: WeightArray): Tensor;
  /** A Keras 1 (Cout, Cin, kh, kw) kernel (flipped if Theano trained it) as an HWIO tensor. */
  theanoKernel(name: string, w: WeightArray): Tensor;
}

const MERGES: Readonly<Record<string, ElementwiseMergeKind>> = {
  Add: 'add',
  Subtract: 'subtract',
  Multiply: 'multiply',
  Average: 'average',
  Maximum: 'maximum',
};

/** Keras 1's Merge layer: its mode → the merge it is. */
const MERGE_MODES: Readonly<Record<string, ElementwiseMergeKind>> = { sum: 'add', mul: 'multiply', ave: 'average', max: 'maximum' };

/** Identity at inference (noise, dropout and augmentation only act while training). */
const INFERENCE_IDENTITY = new Set([
  'Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout',
  'RandomFlip', 'RandomRotation', 'RandomZoom', 'RandomTranslation', 'RandomContrast', 'RandomBrightness',
  // tf.keras 2's ConvNeXt: drops whole residual paths while training only.
  'StochasticDepth',
]);

export const SUPPORTED_KERAS_LAYERS =
  'Conv2D, DepthwiseConv2D, SeparableConv2D, Dense, BatchNormalization, LayerNormalization, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, ZeroPadding2D, Cropping2D, ' +
  'Flatten, Reshape, Permute, Rescaling, Normalization, Activation, ReLU, LeakyReLU, PReLU, ELU, Softmax, Add, Subtract, Multiply, Average, ' +
  'Maximum, Concatenate, Merge (Keras 1), CustomScaleLayer (InceptionResNetV2), LayerScale and StochasticDepth (ConvNeXt), TFOpLambda (' + SUPPORTED_TF_OPS + '), Dropout and the noise and Random* augmentation layers (identity at inference), InputLayer';

/** Why a layer class stieltjes knows of cannot be loaded. */
const UNSUPPORTED_WHY: Readonly<Record<string, string>> = {
  Lambda: 'a Lambda layer holds Python code, which cannot be loaded outside Python; rebuild the model with built-in layers in its place',
  Conv1D: 'stieltjes explains image models: 1-D convolutions are not supported',
  LSTM: 'recurrent layers are not supported (stieltjes explains image classifiers)',
  GRU: 'recurrent layers are not supported (stieltjes explains image classifiers)',
  SimpleRNN: 'recurrent layers are not supported (stieltjes explains image classifiers)',
  RandomCrop: 'RandomCrop crops to its size at inference, which is not supported yet',
  SlicingOpLambda: 'a tensor slice recorded as a layer (TensorFlow code), which cannot be loaded outside TensorFlow; rebuild that part with Keras layers',
  Functional: 'a nested model that could not be inlined (called on several inputs, or shared)',
  Sequential: 'a nested model that could not be inlined (called on several inputs, or shared)',
  Model: 'a nested model that could not be inlined (called on several inputs, or shared)',
};

/** Every class `buildKerasLayer` builds. */
const SUPPORTED_CLASSES = new Set([
  ...Object.keys(MERGES),
  ...INFERENCE_IDENTITY,
  'InputLayer', 'Conv2D', 'Convolution2D', 'Dense', 'BatchNormalization', 'MaxPooling2D', 'MaxPool2D', 'AveragePooling2D', 'AvgPool2D',
  'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'GlobalMaxPool2D', 'GlobalAvgPool2D', 'ZeroPadding2D', 'Flatten', 'Activation', 'Softmax',
  'ReLU', 'Concatenate', 'LeakyReLU', 'ELU', 'PReLU', 'Rescaling', 'Normalization', 'Cropping2D', 'Reshape', 'Permute', 'Merge',
  'DepthwiseConv2D', 'SeparableConv2D', 'LayerNormalization', 'LayerScale', ...SCALED_RESIDUAL_CLASSES,
]);

/**
 * Why a config entry cannot be built, judged from the config alone (no weights): its class, or its
 * activation. Null when it looks buildable; options that only building checks may still refuse.
 */
export function kerasLayerProblem(cls: string, c: Record<string, unknown>): string | null {
  if (cls === 'TFOpLambda') return tfOpProblem(c);
  if (!SUPPORTED_CLASSES.has(cls)) return UNSUPPORTED_WHY[cls] ?? `Keras layer class ${cls} is not supported`;
  const a = c.activation;
  if (typeof a === 'string' && !parseActivation(a)) return `activation '${a}' is not supported`;
  return null;
}

/**
 * The layer for one config entry, or null for an InputLayer. `inboundNodes` (the entry's) carries a
 * TFOpLambda's operands.
 */
export function buildKerasLayer(cls: string, c: Record<string, unknown>, name: string, ctx: KerasLayerContext, inboundNodes?: unknown): GraphLayer | null {
  if (cls === 'TFOpLambda') return buildTfOpLayer(name, c, inboundNodes);
  const merge = MERGES[cls];
  if (merge) return new ElementwiseMergeLayer(name, merge);
  if (INFERENCE_IDENTITY.has(cls)) return new IdentityLayer(name, cls);
  if ((SCALED_RESIDUAL_CLASSES as readonly string[]).includes(cls)) return new ScaledResidualLayer(name, Number(c.scale));
  switch (cls) {
    case 'InputLayer':
      return null;
    case 'Conv2D':
    case 'Convolution2D': {
      const useBias = c.use_bias ?? c.bias ?? true;
      const ws = ctx.weightsFor(name, useBias ? 2 : 1);
      const kernel = ctx.kernelsOihw ? ctx.theanoKernel(name, ws[0]!) : ctx.upload(ws[0]!);
      const padding = String(c.padding ?? c.border_mode ?? 'valid');
      if (padding !== 'same' && padding !== 'valid') throw new Error(`layer ${name}: padding '${padding}' is not supported`);
      const opts = { strides: pair(c.strides ?? c.subsample, 1), dilations: pair(c.dilation_rate, 1), padding, activation: activation(name, c.activation, ctx) } as const;
      const groups = Number(c.groups ?? 1);
      const bias = useBias ? ctx.upload(ws[1]!) : null;
      return groups === 1 ? new Conv2DLayer(name, kernel, bias, opts) : new GroupedConv2DLayer(name, kernel, bias, groups, opts);
    }
    case 'DepthwiseConv2D':
    case 'SeparableConv2D': {
      const separable = cls === 'SeparableConv2D';
      const useBias = c.use_bias ?? true;
      const ws = ctx.weightsFor(name, (separable ? 2 : 1) + (useBias ? 1 : 0));
      const padding = String(c.padding ?? 'valid');
      if (padding !== 'same' && padding !== 'valid') throw new Error(`layer ${name}: padding '${padding}' is not supported`);
      if (ctx.theano) throw new Error(`layer ${name}: ${cls} in a channels-first model is not supported yet`);
      const opts = { strides: pair(c.strides, 1), dilations: pair(c.dilation_rate, 1), padding, activation: activation(name, c.activation, ctx) } as const;
      const bias = useBias ? ctx.upload(ws[separable ? 2 : 1]!) : null;
      return separable ? new SeparableConv2DLayer(name, ctx.upload(ws[0]!), ctx.upload(ws[1]!), bias, opts) : new DepthwiseConv2DLayer(name, ctx.upload(ws[0]!), bias, opts);
    }
    case 'Dense': {
      const useBias = c.use_bias ?? c.bias ?? true;
      const ws = ctx.weightsFor(name, useBias ? 2 : 1);
      return new DenseLayer(name, ctx.upload(ws[0]!), useBias ? ctx.upload(ws[1]!) : null, activation(name, c.activation, ctx));
    }
    case 'BatchNormalization': {
      const axis = c.axis ?? -1;
      const channelAxis = ctx.theano ? 1 : 3;
      if (!(axis === -1 || axis === channelAxis || (Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === channelAxis)))) {
        throw new Error(`layer ${name}: BatchNormalization over axis ${JSON.stringify(axis)} is not supported (only the channel axis)`);
      }
      const scale = c.scale !== false;
      const center = c.center !== false;
      const ws = ctx.weightsFor(name, 2 + Number(scale) + Number(center));
      let i = 0;
      const gamma = scale ? ws[i++]!.data : undefined;
      const beta = center ? ws[i++]!.data : undefined;
      const movingMean = ws[i++]!.data;
      const movingVariance = ws[i++]!.data;
      const epsilon = typeof c.epsilon === 'number' ? c.epsilon : 1e-3;
      return new BatchNormLayer(name, { gamma, beta, movingMean, movingVariance, epsilon }, { backend: ctx.backend, dtype: ctx.dtype });
    }
    case 'LayerNormalization': {
      if (c.rms_scaling === true) throw new Error(`layer ${name}: LayerNormalization with rms_scaling=True is not supported yet`);
      const axes = (Array.isArray(c.axis) ? c.axis : [c.axis ?? -1]).map(Number);
      // Trailing axes only ([-1], [3], [1, 2, 3], …): negative ones always are; positive ones count
      // the batch axis, so they must be contiguous and are checked against the input's rank when it
      // is known ([3] on an image, [1] on a vector).
      const norm = [...new Set(axes)].sort((a, b) => a - b);
      const negative = norm.every((a) => a < 0);
      const contiguous = norm.every((a, i) => i === 0 || a === norm[i - 1]! + 1);
      if (!contiguous || (negative ? norm.at(-1) !== -1 : norm[0]! < 1)) {
        throw new Error(`layer ${name}: LayerNormalization over axes ${JSON.stringify(c.axis)} is not supported (only trailing axes)`);
      }
      const scale = c.scale !== false;
      const center = c.center !== false;
      const ws = scale || center ? ctx.weightsFor(name, Number(scale) + Number(center)) : [];
      const epsilon = typeof c.epsilon === 'number' ? c.epsilon : 1e-3;
      return new LayerNormLayer(name, norm.length, epsilon, scale ? ctx.upload(ws[0]!) : null, center ? ctx.upload(ws[scale ? 1 : 0]!) : null, negative ? undefined : norm);
    }
    case 'LayerScale':
      return new LayerScaleLayer(name, ctx.upload(ctx.weightsFor(name, 1)[0]!));
    case 'MaxPooling2D':
    case 'MaxPool2D':
    case 'AveragePooling2D':
    case 'AvgPool2D': {
      const window = pair(c.pool_size, 2);
      const strides = pair(c.strides ?? c.pool_size, 2);
      const padding = String(c.padding ?? c.border_mode ?? 'valid') as 'same' | 'valid';
      return new Pool2DLayer(name, cls.startsWith('Max') ? 'maxPool2d' : 'avgPool2d', { window, strides, padding });
    }
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D':
    case 'GlobalMaxPool2D':
    case 'GlobalAvgPool2D':
      return cls.includes('Max') ? new GlobalMaxPoolLayer(name, c.keepdims === true) : new GlobalAveragePoolLayer(name, c.keepdims === true);
    case 'ZeroPadding2D':
      return new ZeroPadding2DLayer(name, sides(name, cls, c.padding, 1));
    case 'Cropping2D':
      return new Cropping2DLayer(name, sides(name, cls, c.cropping, 0));
    case 'Reshape':
      return new ReshapeLayer(name, numbers(name, 'target_shape', c.target_shape));
    case 'Permute':
      return new PermuteLayer(name, numbers(name, 'dims', c.dims));
    case 'LeakyReLU':
      return leakyReluLayer(name, Number(c.negative_slope ?? c.alpha ?? 0.3));
    case 'ELU':
      return eluLayer(name, Number(c.alpha ?? 1));
    case 'PReLU':
      return preluLayer(name, ctx.upload(ctx.weightsFor(name, 1)[0]!));
    case 'Rescaling':
      return rescalingLayer(name, scaleOrList(name, 'scale', c.scale ?? 1), scaleOrList(name, 'offset', c.offset ?? 0), ctx);
    case 'Normalization': {
      if (c.invert === true) throw new Error(`layer ${name}: Normalization with invert=True is not supported yet`);
      const axis = c.axis ?? -1;
      if (!(axis === -1 || (Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === 3)))) {
        throw new Error(`layer ${name}: Normalization over axis ${JSON.stringify(axis)} is not supported (only the channel axis)`);
      }
      if (c.mean !== undefined && c.mean !== null && c.variance !== undefined && c.variance !== null) {
        const flat = (v: unknown) => [v].flat(4).map(Number);
        return normalizationLayer(name, flat(c.mean), flat(c.variance), ctx);
      }
      const ws = ctx.weightsFor(name, 2);
      return normalizationLayer(name, ws[0]!.data, ws[1]!.data, ctx);
    }
    case 'Merge': {
      const mode = String(c.mode ?? 'sum');
      if (mode === 'concat') return new ConcatenateLayer(name, ctx.theano && c.concat_axis === 1 ? -1 : Number(c.concat_axis ?? -1));
      const kind = MERGE_MODES[mode];
      if (!kind) throw new Error(`layer ${name}: Keras 1 Merge mode '${mode}' is not supported (sum, mul, ave, max, concat)`);
      return new ElementwiseMergeLayer(name, kind);
    }
    case 'Flatten':
      return new FlattenLayer(name, ctx.theano ? 'chw' : 'hwc');
    case 'Activation':
      return new ActivationLayer(name, activation(name, c.activation, ctx));
    case 'Softmax':
      if (c.axis !== undefined && c.axis !== -1) throw new Error(`layer ${name}: Softmax over axis ${JSON.stringify(c.axis)} is not supported (only -1)`);
      return new ActivationLayer(name, 'softmax');
    case 'ReLU': {
      const slope = Number(c.negative_slope ?? 0);
      const threshold = Number(c.threshold ?? 0);
      const max = c.max_value === undefined || c.max_value === null ? null : Number(c.max_value);
      if (slope === 0 && threshold === 0 && (max === null || max === 6)) return new ActivationLayer(name, max === 6 ? 'relu6' : 'relu');
      return reluLayer(name, max, slope, threshold);
    }
    case 'Concatenate': {
      let axis = typeof c.axis === 'number' ? c.axis : -1;
      if (ctx.theano && axis === 1) axis = -1; // channels-first models run as NHWC here
      return new ConcatenateLayer(name, axis);
    }
    default: {
      const why = UNSUPPORTED_WHY[cls] ?? `Keras layer class ${cls} is not supported (supported: ${SUPPORTED_KERAS_LAYERS})`;
      throw new Error(`layer ${name}: ${why}`);
    }
  }
}

function pair(v: unknown, dflt: number): [number, number] {
  if (v === undefined || v === null) return [dflt, dflt];
  if (typeof v === 'number') return [v, v];
  const a = v as number[];
  return [a[0]!, a[1]!];
}

/** Keras accepts n, [h, w] (each symmetric) or [[top, bottom], [left, right]]. */
function sides(name: string, cls: string, p: unknown, dflt: number): [[number, number], [number, number]] {
  if (p === undefined || p === null) return [[dflt, dflt], [dflt, dflt]];
  if (typeof p === 'number') return [[p, p], [p, p]];
  if (Array.isArray(p) && p.length === 2) {
    const [h, w] = p as unknown[];
    const side = (s: unknown): [number, number] => (typeof s === 'number' ? [s, s] : Array.isArray(s) && s.length === 2 ? [Number(s[0]), Number(s[1])] : [NaN, NaN]);
    return [side(h), side(w)];
  }
  throw new Error(`layer ${name}: ${cls} ${JSON.stringify(p)} is not an int, a pair or a pair of pairs`);
}

function numbers(name: string, what: string, v: unknown): number[] {
  if (!Array.isArray(v) || v.some((d) => typeof d !== 'number' && d !== null)) throw new Error(`layer ${name}: ${what} ${JSON.stringify(v)} is not a list of numbers`);
  return v.map((d) => (d === null ? -1 : (d as number)));
}

function scaleOrList(name: string, what: string, v: unknown): number | number[] {
  if (typeof v === 'number') return v;
  if (Array.isArray(v) && v.every((d) => typeof d === 'number')) return v as number[];
  throw new Error(`layer ${name}: Rescaling ${what} ${JSON.stringify(v)} is not a number or a list of numbers`);
}

function activation(layer: string, a: unknown, ctx?: Pick<KerasLayerContext, 'keras3'>): Activation {
  const s = a === undefined || a === null ? 'linear' : String(a);
  // Keras 1/2's hard_sigmoid is 0.2x + 0.5 clipped; Keras 3's is x/6 + 0.5 clipped.
  if (s === 'hard_sigmoid' && ctx && !ctx.keras3) return 'hard_sigmoid_keras2';
  const parsed = parseActivation(s);
  if (!parsed) throw new Error(`layer ${layer}: activation '${s}' is not supported (${ACTIVATIONS.filter((n) => n !== 'hard_sigmoid_keras2').join(', ')}, silu, hard_silu)`);
  return parsed;
}
