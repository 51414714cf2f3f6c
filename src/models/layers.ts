/**
 * The layers a Keras-style sequential image classifier needs. Each layer knows its name, its
 * output shape (per example, NHWC without N) and how to apply itself with stieltjes ops, so the
 * tape records it like any other computation.
 */
import * as op from '../autograd/ops.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { PaddingSpec } from '../autograd/ops.js';
import { activate, type Activation } from './activations.js';

export type { Activation } from './activations.js';

export interface Layer {
  readonly name: string;
  readonly kind: string;
  /** Shape of one example's output given one example's input shape; throws naming the layer on a mismatch. */
  outputShape(input: readonly number[]): number[];
  /** Applies the layer to a batch. `logits` asks a softmax layer for its pre-softmax values. */
  apply(x: Tensor, opts?: { logits?: boolean }): Tensor;
  /** The layer's weight tensors (kernel first), possibly empty. */
  readonly weights: readonly Tensor[];
  /** True when the layer ends in a softmax (the model's probabilities come from it). */
  readonly softmax?: boolean;
}

/** Throws, naming the layer, unless `kernel` is [kh, kw, inPerGroup, Cout] and `bias` (if any) [Cout]. */
export function checkConvWeights(name: string, kernel: Tensor, bias: Tensor | null, inLabel = 'Cin'): void {
  if (kernel.rank !== 4) throw new Error(`layer ${name}: conv kernel must be [kh, kw, ${inLabel}, Cout], got ${formatShape(kernel.shape)}`);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== kernel.shape[3])) {
    throw new Error(`layer ${name}: bias ${formatShape(bias.shape)} does not match kernel ${formatShape(kernel.shape)}`);
  }
}

export class Conv2DLayer implements Layer {
  readonly kind = 'conv2d';
  readonly softmax: boolean;
  constructor(
    readonly name: string,
    readonly kernel: Tensor,
    readonly bias: Tensor | null,
    readonly opts: { strides?: [number, number]; padding?: PaddingSpec; dilations?: [number, number]; activation?: Activation } = {},
  ) {
    this.softmax = opts.activation === 'softmax';
    checkConvWeights(name, kernel, bias);
  }
  get weights(): Tensor[] {
    return this.bias ? [this.kernel, this.bias] : [this.kernel];
  }
  outputShape(input: readonly number[]): number[] {
    const [h, w, c] = input;
    if (input.length !== 3 || c !== this.kernel.shape[2]) {
      throw new Error(`layer ${this.name}: expects input [H, W, ${this.kernel.shape[2]}], got ${formatShape(input)} (kernel ${formatShape(this.kernel.shape)})`);
    }
    const p = op.conv2dParams([1, h!, w!, c!], this.kernel.shape, this.convOptions());
    return [p.outHeight, p.outWidth, this.kernel.shape[3]!];
  }
  apply(x: Tensor, opts?: { logits?: boolean }): Tensor {
    const act = this.opts.activation ?? 'linear';
    // ReLU is fused into the convolution kernel; other activations follow it.
    const y = op.conv2d(x, this.kernel, { ...this.convOptions(), bias: this.bias, activation: act === 'relu' ? 'relu' : 'linear' });
    return act === 'relu' ? y : activate(y, act, opts?.logits);
  }
  private convOptions(): op.Conv2DOptions {
    return { strides: this.opts.strides, padding: this.opts.padding ?? 'valid', dilations: this.opts.dilations };
  }
}

export class DenseLayer implements Layer {
  readonly kind = 'dense';
  readonly softmax: boolean;
  constructor(
    readonly name: string,
    readonly kernel: Tensor,
    readonly bias: Tensor | null,
    readonly activation: Activation = 'linear',
  ) {
    this.softmax = activation === 'softmax';
    if (kernel.rank !== 2) throw new Error(`layer ${name}: dense kernel must be [in, out], got ${formatShape(kernel.shape)}`);
    if (bias && (bias.rank !== 1 || bias.shape[0] !== kernel.shape[1])) {
      throw new Error(`layer ${name}: bias ${formatShape(bias.shape)} does not match kernel ${formatShape(kernel.shape)}`);
    }
  }
  get weights(): Tensor[] {
    return this.bias ? [this.kernel, this.bias] : [this.kernel];
  }
  /** Keras applies Dense to the last axis of any input ([H, W, C] too: ConvNeXt's pointwise layers). */
  outputShape(input: readonly number[]): number[] {
    if (input.length < 1 || input.at(-1) !== this.kernel.shape[0]) {
      throw new Error(`layer ${this.name}: expects input [..., ${this.kernel.shape[0]}], got ${formatShape(input)} (kernel ${formatShape(this.kernel.shape)})`);
    }
    return [...input.slice(0, -1), this.kernel.shape[1]!];
  }
  apply(x: Tensor, opts?: { logits?: boolean }): Tensor {
    // Higher ranks as one matrix of rows (every position's channels), then back.
    const rows = x.rank > 2 ? op.reshape(x, [-1, x.shape.at(-1)!]) : x;
    let y = op.matmul(rows, this.kernel);
    if (this.bias) y = op.add(y, this.bias);
    if (x.rank > 2) y = op.reshape(y, [...x.shape.slice(0, -1), this.kernel.shape[1]!]);
    return activate(y, this.activation, opts?.logits);
  }
}

export class Pool2DLayer implements Layer {
  readonly weights = [];
  constructor(
    readonly name: string,
    readonly kind: 'maxPool2d' | 'avgPool2d',
    readonly opts: op.Pool2DOptions,
  ) {}
  outputShape(input: readonly number[]): number[] {
    if (input.length !== 3) throw new Error(`layer ${this.name}: expects input [H, W, C], got ${formatShape(input)}`);
    const window = typeof this.opts.window === 'number' ? [this.opts.window, this.opts.window] : (this.opts.window ?? [2, 2]);
    const strides = this.opts.strides === undefined ? window : typeof this.opts.strides === 'number' ? [this.opts.strides, this.opts.strides] : this.opts.strides;
    const same = this.opts.padding === 'same';
    const out = (n: number, k: number, s: number): number => (same ? Math.ceil(n / s) : Math.floor((n - k) / s) + 1);
    const h = out(input[0]!, window[0]!, strides[0]!);
    const w = out(input[1]!, window[1]!, strides[1]!);
    if (h < 1 || w < 1) throw new Error(`layer ${this.name}: a ${window.join('×')} window does not fit input ${formatShape(input)}`);
    return [h, w, input[2]!];
  }
  apply(x: Tensor): Tensor {
    return this.kind === 'maxPool2d' ? op.maxPool2d(x, this.opts) : op.avgPool2d(x, this.opts);
  }
}

/** Global pooling over H and W: [N, H, W, C] → [N, C] (or [N, 1, 1, C] with Keras's keepdims). */
abstract class GlobalPoolLayer implements Layer {
  abstract readonly kind: string;
  readonly weights = [];
  constructor(
    readonly name: string,
    /** Keep H and W as 1 × 1 (Keras's keepdims): [N, 1, 1, C]. */
    readonly keepDims = false,
  ) {}
  outputShape(input: readonly number[]): number[] {
    if (input.length !== 3) throw new Error(`layer ${this.name}: expects input [H, W, C], got ${formatShape(input)}`);
    return this.keepDims ? [1, 1, input[2]!] : [input[2]!];
  }
  apply(x: Tensor): Tensor {
    return this.pool(x, { keepDims: this.keepDims });
  }
  protected abstract pool(x: Tensor, opts: { keepDims: boolean }): Tensor;
}

/** Global average pooling. */
export class GlobalAveragePoolLayer extends GlobalPoolLayer {
  readonly kind = 'globalAveragePool';
  protected pool(x: Tensor, opts: { keepDims: boolean }): Tensor {
    return op.mean(x, [1, 2], opts);
  }
}

/** Global max pooling. */
export class GlobalMaxPoolLayer extends GlobalPoolLayer {
  readonly kind = 'globalMaxPool';
  protected pool(x: Tensor, opts: { keepDims: boolean }): Tensor {
    return op.max(x, [1, 2], opts);
  }
}

/** [[top, bottom], [left, right]] rows and columns added or removed around each map. */
export type Margins2D = readonly [readonly [number, number], readonly [number, number]];

/** Throws, naming the layer, unless every margin is a whole number ≥ 0. */
export function checkMargins(name: string, what: string, margins: Margins2D): void {
  if (margins.flat().some((p) => !Number.isInteger(p) || p < 0)) throw new Error(`layer ${name}: ${what} ${JSON.stringify(margins)} must be whole numbers ≥ 0`);
}

/** ZeroPadding2D: zeros above, below, left and right of each [H, W, C] map. */
export class ZeroPadding2DLayer implements Layer {
  readonly kind = 'zeroPadding2d';
  readonly weights = [];
  constructor(
    readonly name: string,
    readonly padding: Margins2D,
  ) {
    checkMargins(name, 'padding', padding);
  }
  outputShape(input: readonly number[]): number[] {
    if (input.length !== 3) throw new Error(`layer ${this.name}: expects input [H, W, C], got ${formatShape(input)}`);
    const [[t, b], [l, r]] = this.padding;
    return [input[0]! + t + b, input[1]! + l + r, input[2]!];
  }
  apply(x: Tensor): Tensor {
    return op.pad(x, [[0, 0], this.padding[0], this.padding[1], [0, 0]]);
  }
}

/**
 * Flatten. Keras with channels-last flattens in (h, w, c) order; Theano-era models flatten in
 * (c, h, w) order, which we reproduce by transposing the NHWC tensor first.
 */
export class FlattenLayer implements Layer {
  readonly kind = 'flatten';
  readonly weights = [];
  constructor(
    readonly name: string,
    readonly order: 'hwc' | 'chw' = 'hwc',
  ) {}
  outputShape(input: readonly number[]): number[] {
    return [input.reduce((a, b) => a * b, 1)];
  }
  apply(x: Tensor): Tensor {
    const t = this.order === 'chw' && x.rank === 4 ? op.transpose(x, [0, 3, 1, 2]) : x;
    return op.reshape(t, [x.shape[0]!, -1]);
  }
}

export class ActivationLayer implements Layer {
  readonly kind = 'activation';
  readonly weights = [];
  readonly softmax: boolean;
  constructor(
    readonly name: string,
    readonly activation: Activation,
  ) {
    this.softmax = activation === 'softmax';
  }
  outputShape(input: readonly number[]): number[] {
    return [...input];
  }
  apply(x: Tensor, opts?: { logits?: boolean }): Tensor {
    return activate(x, this.activation, opts?.logits);
  }
}

/** Dropout and other layers that are the identity at inference. */
export class IdentityLayer implements Layer {
  readonly weights = [];
  constructor(
    readonly name: string,
    readonly kind: string,
  ) {}
  outputShape(input: readonly number[]): number[] {
    return [...input];
  }
  apply(x: Tensor): Tensor {
    return x;
  }
}

/** Any differentiable function of a batch, for custom models and tests. */
export class LambdaLayer implements Layer {
  readonly kind = 'lambda';
  readonly weights = [];
  constructor(
    readonly name: string,
    private readonly fn: (x: Tensor) => Tensor,
    private readonly shapeFn: (input: readonly number[]) => number[] = (s) => [...s],
    readonly softmax = false,
  ) {}
  outputShape(input: readonly number[]): number[] {
    return this.shapeFn(input);
  }
  apply(x: Tensor): Tensor {
    return this.fn(x);
  }
}
