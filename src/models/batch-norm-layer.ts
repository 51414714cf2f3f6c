/**
 * BatchNormalization at inference: y = γ·(x − μ)/√(σ² + ε) + β per channel, applied as
 * y = x·s + t with s = γ/√(σ² + ε) and t = β − μ·s computed once, in float64, when the layer is
 * built. Two broadcast ops per call and gradients from their rules; no kernel of its own.
 */
import * as op from '../autograd/ops.js';
import type { Backend } from '../kernels/backend.js';
import { fromArray } from '../tensor/creation.js';
import type { DType } from '../tensor/dtype.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { Conv2DLayer, type Layer } from './layers.js';

export interface BatchNormParams {
  /** Per-channel arrays; gamma absent means 1 (`scale: false`), beta absent means 0 (`center: false`). */
  gamma?: ArrayLike<number>;
  beta?: ArrayLike<number>;
  movingMean: ArrayLike<number>;
  movingVariance: ArrayLike<number>;
  epsilon: number;
}

/** BatchNormalization at inference, as a per-channel scale and shift. */
export class BatchNormLayer implements Layer {
  readonly kind = 'batchNormalization';
  readonly scale: Tensor;
  readonly shift: Tensor;
  readonly channels: number;
  constructor(
    readonly name: string,
    params: BatchNormParams,
    opts: { backend?: Backend; dtype?: DType } = {},
  ) {
    const c = params.movingMean.length;
    for (const [what, a] of [['gamma', params.gamma], ['beta', params.beta], ['moving variance', params.movingVariance]] as const) {
      if (a && a.length !== c) throw new Error(`layer ${name}: ${what} has ${a.length} values for ${c} channels`);
    }
    if (!(params.epsilon >= 0)) throw new Error(`layer ${name}: epsilon must be ≥ 0, got ${params.epsilon}`);
    const s = new Float64Array(c);
    const t = new Float64Array(c);
    for (let i = 0; i < c; i++) {
      s[i] = (params.gamma?.[i] ?? 1) / Math.sqrt(params.movingVariance[i]! + params.epsilon);
      t[i] = (params.beta?.[i] ?? 0) - params.movingMean[i]! * s[i]!;
    }
    this.channels = c;
    // float32 unless told: a Float64Array would otherwise make float64 constants.
    const create = { backend: opts.backend, dtype: opts.dtype ?? 'float32' };
    this.scale = fromArray(s, [c], create);
    this.shift = fromArray(t, [c], create);
  }
  get weights(): Tensor[] {
    return [this.scale, this.shift];
  }
  outputShape(input: readonly number[]): number[] {
    if (input.at(-1) !== this.channels) throw new Error(`layer ${this.name}: expects ${this.channels} channels (last axis), got input ${formatShape(input)}`);
    return [...input];
  }
  apply(x: Tensor): Tensor {
    return op.add(op.mul(x, this.scale), this.shift);
  }
}

/**
 * bn(conv(x)) as one convolution: kernel·s and bias·s + t, scaled per output channel. Scaling the
 * kernel (thousands of values) each run is cheaper than scaling the activation (often millions),
 * and the scale and shift pass over the activation disappear. Only for a convolution with no
 * activation of its own whose output nothing else reads.
 */
export function convThenBatchNorm(conv: Conv2DLayer, bn: BatchNormLayer, x: Tensor): Tensor {
  const kernel = op.mul(conv.kernel, bn.scale);
  const bias = conv.bias ? op.add(op.mul(conv.bias, bn.scale), bn.shift) : bn.shift;
  return op.conv2d(x, kernel, { strides: conv.opts.strides, padding: conv.opts.padding ?? 'valid', dilations: conv.opts.dilations, bias });
}

/** True when a convolution can be folded into the batch norm that follows it (see convThenBatchNorm). */
export function foldable(conv: unknown, bn: unknown): conv is Conv2DLayer {
  return bn instanceof BatchNormLayer && conv instanceof Conv2DLayer && (conv.opts.activation ?? 'linear') === 'linear' && conv.kernel.shape[3] === bn.channels;
}
