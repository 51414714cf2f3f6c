/**
 * DepthwiseConv2D and SeparableConv2D layers, on the depthwiseConv2d primitive
 * (src/autograd/primitives/depthwise-conv2d.ts: one kernel per backend, bias and ReLU fused).
 * Padding 'same' follows TensorFlow: the extra row or column goes at the bottom or right.
 */
import * as op from '../autograd/ops.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { activate, type Activation } from './activations.js';
import type { Layer } from './layers.js';

export interface DepthwiseOptions {
  strides?: [number, number];
  padding?: 'same' | 'valid';
  dilations?: [number, number];
  activation?: Activation;
}

/** The primitive's options for these layers' geometry, bias, and ReLU when it can be fused. */
function primitiveOptions(o: DepthwiseOptions, bias: Tensor | null): op.Conv2DOptions {
  return {
    strides: o.strides ?? [1, 1],
    padding: o.padding ?? 'valid',
    dilations: o.dilations ?? [1, 1],
    bias,
    activation: o.activation === 'relu' ? 'relu' : 'linear',
  };
}

function spatialShape(name: string, input: readonly number[], kernel: Tensor, opts: DepthwiseOptions): [number, number] {
  if (input.length !== 3 || input[2] !== kernel.shape[2]) {
    throw new Error(`layer ${name}: expects input [H, W, ${kernel.shape[2]}], got ${formatShape(input)} (depthwise kernel ${formatShape(kernel.shape)})`);
  }
  try {
    const p = op.depthwiseConv2dParams([1, ...input], kernel.shape, primitiveOptions(opts, null));
    return [p.outHeight, p.outWidth];
  } catch {
    throw new Error(`layer ${name}: a ${kernel.shape[0]}×${kernel.shape[1]} kernel does not fit input ${formatShape(input)}`);
  }
}

/** A depthwise convolution (each channel with its own filters, depth multiplier of them), bias and activation. */
export class DepthwiseConv2DLayer implements Layer {
  readonly kind = 'depthwiseConv2d';
  readonly softmax: boolean;
  constructor(
    readonly name: string,
    /** [kh, kw, C, depth multiplier]. */
    readonly kernel: Tensor,
    readonly bias: Tensor | null,
    readonly opts: DepthwiseOptions = {},
  ) {
    this.softmax = opts.activation === 'softmax';
    if (kernel.rank !== 4) throw new Error(`layer ${name}: depthwise kernel must be [kh, kw, C, M], got ${formatShape(kernel.shape)}`);
    if (bias && (bias.rank !== 1 || bias.shape[0] !== kernel.shape[2]! * kernel.shape[3]!)) {
      throw new Error(`layer ${name}: bias ${formatShape(bias.shape)} does not match depthwise kernel ${formatShape(kernel.shape)}`);
    }
  }
  get weights(): Tensor[] {
    return this.bias ? [this.kernel, this.bias] : [this.kernel];
  }
  outputShape(input: readonly number[]): number[] {
    return [...spatialShape(this.name, input, this.kernel, this.opts), this.kernel.shape[2]! * this.kernel.shape[3]!];
  }
  apply(x: Tensor, opts?: { logits?: boolean }): Tensor {
    const act = this.opts.activation ?? 'linear';
    const y = op.depthwiseConv2d(x, this.kernel, primitiveOptions(this.opts, this.bias));
    return act === 'relu' ? y : activate(y, act, opts?.logits);
  }
}

/** A depthwise convolution, then a 1×1 convolution across channels, then bias and activation. */
export class SeparableConv2DLayer implements Layer {
  readonly kind = 'separableConv2d';
  readonly softmax: boolean;
  constructor(
    readonly name: string,
    readonly depthwise: Tensor,
    /** [1, 1, C·M, Cout]. */
    readonly pointwise: Tensor,
    readonly bias: Tensor | null,
    readonly opts: DepthwiseOptions = {},
  ) {
    this.softmax = opts.activation === 'softmax';
    const cm = depthwise.shape[2]! * depthwise.shape[3]!;
    if (depthwise.rank !== 4 || pointwise.rank !== 4 || pointwise.shape[0] !== 1 || pointwise.shape[1] !== 1 || pointwise.shape[2] !== cm) {
      throw new Error(`layer ${name}: depthwise ${formatShape(depthwise.shape)} and pointwise ${formatShape(pointwise.shape)} kernels do not fit ([kh, kw, C, M] and [1, 1, C·M, Cout])`);
    }
    if (bias && (bias.rank !== 1 || bias.shape[0] !== pointwise.shape[3])) {
      throw new Error(`layer ${name}: bias ${formatShape(bias.shape)} does not match pointwise kernel ${formatShape(pointwise.shape)}`);
    }
  }
  get weights(): Tensor[] {
    return this.bias ? [this.depthwise, this.pointwise, this.bias] : [this.depthwise, this.pointwise];
  }
  outputShape(input: readonly number[]): number[] {
    return [...spatialShape(this.name, input, this.depthwise, this.opts), this.pointwise.shape[3]!];
  }
  apply(x: Tensor, opts?: { logits?: boolean }): Tensor {
    const act = this.opts.activation ?? 'linear';
    const d = op.depthwiseConv2d(x, this.depthwise, primitiveOptions({ ...this.opts, activation: 'linear' }, null));
    const y = op.conv2d(d, this.pointwise, { padding: 'valid', bias: this.bias, activation: act === 'relu' ? 'relu' : 'linear' });
    return act === 'relu' ? y : activate(y, act, opts?.logits);
  }
}
