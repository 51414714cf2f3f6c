/**
 * Layers that map each value on its own (shape unchanged), some with per-channel parameters:
 * LeakyReLU, ELU, PReLU, ReLU with a cap and a slope, Rescaling and Normalization. Each is a
 * composition of existing differentiable ops, built once with its constants.
 */
import * as op from '../autograd/ops.js';
import type { Backend } from '../kernels/backend.js';
import { fromArray } from '../tensor/creation.js';
import type { DType } from '../tensor/dtype.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { elu, leakyRelu } from './activations.js';
import type { Layer } from './layers.js';

export class PointwiseLayer implements Layer {
  constructor(
    readonly name: string,
    readonly kind: string,
    private readonly fn: (x: Tensor) => Tensor,
    readonly weights: readonly Tensor[] = [],
    /** Throws when the layer's parameters do not fit an input of this shape. */
    private readonly check?: (input: readonly number[]) => void,
  ) {}
  outputShape(input: readonly number[]): number[] {
    this.check?.(input);
    return [...input];
  }
  apply(x: Tensor): Tensor {
    return this.fn(x);
  }
}

interface Constants {
  backend?: Backend;
  dtype?: DType;
}

export function leakyReluLayer(name: string, slope: number): PointwiseLayer {
  return new PointwiseLayer(name, 'leakyRelu', (x) => leakyRelu(x, slope));
}

export function eluLayer(name: string, alpha: number): PointwiseLayer {
  return new PointwiseLayer(name, 'elu', (x) => elu(x, alpha));
}

/**
 * Keras ReLU: x for threshold ≤ x (capped at maxValue), slope·(x − threshold) below. With u =
 * x − threshold that is relu(u) + threshold·[u ≥ 0] − slope·relu(−u) (a jump at the threshold
 * when it is not 0, as in Keras), then the cap.
 */
export function reluLayer(name: string, maxValue: number | null, slope: number, threshold = 0): PointwiseLayer {
  return new PointwiseLayer(name, 'relu', (x) => {
    const u = threshold === 0 ? x : op.sub(x, op.scalarLike(x, threshold));
    let y = op.relu(u);
    if (threshold !== 0) y = op.add(y, op.mul(op.scalarLike(x, threshold), op.greaterEqual(u, op.scalarLike(x, 0))));
    if (maxValue !== null) y = op.minimum(y, op.scalarLike(x, maxValue));
    return slope === 0 ? y : op.sub(y, op.mul(op.scalarLike(x, slope), op.relu(op.neg(u))));
  });
}

/** PReLU: a learned slope per position and channel, `alpha` shaped like the input or broadcast to it (shared axes of size 1). */
export function preluLayer(name: string, alpha: Tensor): PointwiseLayer {
  return new PointwiseLayer(name, 'prelu', (x) => leakyRelu(x, alpha), [alpha], (input) => {
    const a = alpha.shape;
    if (a.length !== input.length || a.some((d, i) => d !== 1 && d !== input[i])) {
      throw new Error(`layer ${name}: alpha ${formatShape(a)} does not fit input ${formatShape(input)}`);
    }
  });
}

/** Per-channel y = x·scale + offset (a number or one value per channel). */
function affine(name: string, kind: string, scale: readonly number[], offset: readonly number[], c: Constants): PointwiseLayer {
  const create = { backend: c.backend, dtype: c.dtype ?? 'float32' };
  const s = fromArray(Float64Array.from(scale), [scale.length], create);
  const t = fromArray(Float64Array.from(offset), [offset.length], create);
  const channels = Math.max(scale.length, offset.length);
  return new PointwiseLayer(name, kind, (x) => op.add(op.mul(x, s), t), [s, t], (input) => {
    if (channels > 1 && input.at(-1) !== channels) throw new Error(`layer ${name}: has ${channels} channels of parameters, input is ${formatShape(input)}`);
  });
}

/** Rescaling: x·scale + offset (Keras 3 accepts a value per channel). */
export function rescalingLayer(name: string, scale: number | readonly number[], offset: number | readonly number[], c: Constants = {}): PointwiseLayer {
  const list = (v: number | readonly number[]) => (typeof v === 'number' ? [v] : v);
  return affine(name, 'rescaling', list(scale), list(offset), c);
}

/** Normalization: (x − mean) / max(√variance, 1e-7), as Keras computes it, per channel. */
export function normalizationLayer(name: string, mean: ArrayLike<number>, variance: ArrayLike<number>, c: Constants = {}): PointwiseLayer {
  if (mean.length !== variance.length) throw new Error(`layer ${name}: ${mean.length} means and ${variance.length} variances`);
  const scale = Array.from(variance, (v) => 1 / Math.max(Math.sqrt(v), 1e-7));
  return affine(name, 'normalization', scale, Array.from(mean, (m, i) => -m * scale[i]!), c);
}
