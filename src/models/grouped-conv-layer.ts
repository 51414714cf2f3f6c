/**
 * Conv2D with groups > 1 (ResNeXt, RegNet): the input channels split into `groups` equal parts,
 * each convolved with its own slice of the kernel's output channels, the results concatenated.
 * Composed from split, conv2d and concat, so each group runs on the tuned convolution kernels.
 */
import * as op from '../autograd/ops.js';
import type { PaddingSpec } from '../autograd/ops.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { activate, type Activation } from './activations.js';
import { checkConvWeights, type Layer } from './layers.js';

/** Conv2D with groups > 1: each group of input channels convolved with its own output channels. */
export class GroupedConv2DLayer implements Layer {
  readonly kind = 'conv2d';
  readonly softmax: boolean;
  constructor(
    readonly name: string,
    /** [kh, kw, Cin / groups, Cout], as Keras stores it. */
    readonly kernel: Tensor,
    readonly bias: Tensor | null,
    readonly groups: number,
    readonly opts: { strides?: [number, number]; padding?: PaddingSpec; dilations?: [number, number]; activation?: Activation } = {},
  ) {
    this.softmax = opts.activation === 'softmax';
    checkConvWeights(name, kernel, bias, 'Cin/groups');
    if (!Number.isInteger(groups) || groups < 1 || kernel.shape[3]! % groups !== 0) {
      throw new Error(`layer ${name}: ${kernel.shape[3]} output channels do not split into ${groups} groups`);
    }
  }
  get weights(): Tensor[] {
    return this.bias ? [this.kernel, this.bias] : [this.kernel];
  }
  outputShape(input: readonly number[]): number[] {
    const [h, w, c] = input;
    const per = this.kernel.shape[2]!;
    if (input.length !== 3 || c !== per * this.groups) {
      throw new Error(`layer ${this.name}: expects input [H, W, ${per * this.groups}] (${this.groups} groups of ${per}), got ${formatShape(input)}`);
    }
    const p = op.conv2dParams([1, h!, w!, per], this.kernel.shape, this.convOptions());
    return [p.outHeight, p.outWidth, this.kernel.shape[3]!];
  }
  apply(x: Tensor, opts?: { logits?: boolean }): Tensor {
    const [kh, kw, per, cout] = this.kernel.shape as [number, number, number, number];
    const outPer = cout / this.groups;
    const parts = op.split(x, new Array<number>(this.groups).fill(per), 3);
    const ys = parts.map((p, g) => op.conv2d(p, op.slice(this.kernel, [0, 0, 0, g * outPer], [kh, kw, per, outPer]), this.convOptions()));
    let y = op.concat(ys, 3);
    if (this.bias) y = op.add(y, this.bias);
    return activate(y, this.opts.activation ?? 'linear', opts?.logits);
  }
  private convOptions(): op.Conv2DOptions {
    return { strides: this.opts.strides, padding: this.opts.padding ?? 'valid', dilations: this.opts.dilations };
  }
}
