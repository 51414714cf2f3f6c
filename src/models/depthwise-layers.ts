/**
 * DepthwiseConv2D and SeparableConv2D. A depthwise convolution is composed from existing ops
 * rather than a kernel of its own: one shifted (and, for strides, subsampled) view of the padded
 * input per kernel tap, times that tap's per-channel weights, summed. Each tap is a few
 * element-wise passes, which is what a depthwise convolution costs anyway (it is memory-bound),
 * and the gradients come from slice, pad, reshape, mul and add. Padding 'same' follows
 * TensorFlow: the extra row or column goes at the bottom or right.
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

interface Geometry {
  outH: number;
  outW: number;
  /** Zeros before and after, per spatial axis, so every tap's view fits. */
  pads: [[number, number], [number, number]];
}

function geometry(h: number, w: number, kh: number, kw: number, o: Required<Omit<DepthwiseOptions, 'activation'>>): Geometry {
  const [sh, sw] = o.strides;
  const [dh, dw] = o.dilations;
  const axis = (n: number, k: number, s: number, d: number): [number, number, number] => {
    const span = (k - 1) * d + 1;
    const out = o.padding === 'same' ? Math.ceil(n / s) : Math.floor((n - span) / s) + 1;
    const before = o.padding === 'same' ? Math.floor(Math.max((out - 1) * s + span - n, 0) / 2) : 0;
    // The last tap's view starts at (k − 1)·d and spans out·s rows before subsampling.
    const after = Math.max(0, (k - 1) * d + out * s - n - before);
    return [out, before, after];
  };
  const [outH, top, bottom] = axis(h, kh, sh, dh);
  const [outW, left, right] = axis(w, kw, sw, dw);
  return { outH, outW, pads: [[top, bottom], [left, right]] };
}

/** x [N, H, W, C] with kernel [kh, kw, C, M] → [N, H', W', C·M] (channel c·M + m, as Keras orders it). */
export function depthwiseConv2d(x: Tensor, kernel: Tensor, opts: DepthwiseOptions = {}): Tensor {
  const o = { strides: opts.strides ?? [1, 1], padding: opts.padding ?? 'valid', dilations: opts.dilations ?? [1, 1] } as const;
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [kh, kw, kc, m] = kernel.shape as [number, number, number, number];
  if (x.rank !== 4 || kernel.rank !== 4 || kc !== c) {
    throw new Error(`depthwiseConv2d: input ${formatShape(x.shape)} and kernel ${formatShape(kernel.shape)} do not fit ([N, H, W, C] and [kh, kw, C, M])`);
  }
  const g = geometry(h, w, kh, kw, o);
  if (g.outH < 1 || g.outW < 1) throw new Error(`depthwiseConv2d: a ${kh}×${kw} kernel does not fit input ${formatShape(x.shape)}`);
  const [sh, sw] = o.strides;
  const padded = op.pad(x, [[0, 0], g.pads[0], g.pads[1], [0, 0]]);
  let sum: Tensor | null = null;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      let view = op.slice(padded, [0, i * o.dilations[0], j * o.dilations[1], 0], [n, g.outH * sh, g.outW * sw, c]);
      if (sh > 1 || sw > 1) {
        view = op.reshape(view, [n, g.outH, sh, g.outW, sw, c]);
        view = op.reshape(op.slice(view, [0, 0, 0, 0, 0, 0], [n, g.outH, 1, g.outW, 1, c]), [n, g.outH, g.outW, c]);
      }
      // With M > 1 every input channel feeds M outputs: broadcast [.., C, 1] against [C, M].
      const tap = op.reshape(op.slice(kernel, [i, j, 0, 0], [1, 1, c, m]), m === 1 ? [c] : [c, m]);
      const term = op.mul(m === 1 ? view : op.expandDims(view, 4), tap);
      sum = sum ? op.add(sum, term) : term;
    }
  }
  return m === 1 ? sum! : op.reshape(sum!, [n, g.outH, g.outW, c * m]);
}

function spatialShape(name: string, input: readonly number[], kernel: Tensor, opts: DepthwiseOptions): [number, number] {
  if (input.length !== 3 || input[2] !== kernel.shape[2]) {
    throw new Error(`layer ${name}: expects input [H, W, ${kernel.shape[2]}], got ${formatShape(input)} (depthwise kernel ${formatShape(kernel.shape)})`);
  }
  const o = { strides: opts.strides ?? [1, 1], padding: opts.padding ?? 'valid', dilations: opts.dilations ?? [1, 1] } as const;
  const g = geometry(input[0]!, input[1]!, kernel.shape[0]!, kernel.shape[1]!, o);
  if (g.outH < 1 || g.outW < 1) throw new Error(`layer ${name}: a ${kernel.shape[0]}×${kernel.shape[1]} kernel does not fit input ${formatShape(input)}`);
  return [g.outH, g.outW];
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
    let y = depthwiseConv2d(x, this.kernel, this.opts);
    if (this.bias) y = op.add(y, this.bias);
    return activate(y, this.opts.activation ?? 'linear', opts?.logits);
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
    const d = depthwiseConv2d(x, this.depthwise, this.opts);
    const y = op.conv2d(d, this.pointwise, { padding: 'valid', bias: this.bias, activation: act === 'relu' ? 'relu' : 'linear' });
    return act === 'relu' ? y : activate(y, act, opts?.logits);
  }
}
