/**
 * Layers that move values without changing them: Cropping2D, Reshape and Permute (per example,
 * the batch axis untouched, as Keras counts them).
 */
import * as op from '../autograd/ops.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkMargins, type Layer, type Margins2D } from './layers.js';

/** Cropping2D: drops rows above and below and columns left and right of each map. */
export class Cropping2DLayer implements Layer {
  readonly kind = 'cropping2d';
  readonly weights = [];
  constructor(
    readonly name: string,
    readonly cropping: Margins2D,
  ) {
    checkMargins(name, 'cropping', cropping);
  }
  outputShape(input: readonly number[]): number[] {
    const [[t, b], [l, r]] = this.cropping;
    if (input.length !== 3 || input[0]! - t - b < 1 || input[1]! - l - r < 1) {
      throw new Error(`layer ${this.name}: cropping ${JSON.stringify(this.cropping)} leaves nothing of input ${formatShape(input)}`);
    }
    return [input[0]! - t - b, input[1]! - l - r, input[2]!];
  }
  apply(x: Tensor): Tensor {
    const [h, w, c] = this.outputShape(x.shape.slice(1));
    return op.slice(x, [0, this.cropping[0][0], this.cropping[1][0], 0], [x.shape[0]!, h!, w!, c!]);
  }
}

/** Reshape to `target` per example (one entry may be −1); channels-last order is row-major, as Keras's. */
export class ReshapeLayer implements Layer {
  readonly kind = 'reshape';
  readonly weights = [];
  constructor(
    readonly name: string,
    readonly target: readonly number[],
  ) {}
  outputShape(input: readonly number[]): number[] {
    const size = input.reduce((a, b) => a * b, 1);
    const known = this.target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const free = this.target.filter((d) => d === -1).length;
    const out = this.target.map((d) => (d === -1 ? size / known : d));
    if (free > 1 || out.some((d) => !Number.isInteger(d) || d < 1) || out.reduce((a, b) => a * b, 1) !== size) {
      throw new Error(`layer ${this.name}: cannot reshape ${formatShape(input)} to ${formatShape(this.target)}`);
    }
    return out;
  }
  apply(x: Tensor): Tensor {
    return op.reshape(x, [x.shape[0]!, ...this.outputShape(x.shape.slice(1))]);
  }
}

/** Permute: `dims` lists the input axes (counted from 1, the batch axis being 0) in their new order. */
export class PermuteLayer implements Layer {
  readonly kind = 'permute';
  readonly weights = [];
  constructor(
    readonly name: string,
    readonly dims: readonly number[],
  ) {}
  outputShape(input: readonly number[]): number[] {
    const sorted = [...this.dims].sort((a, b) => a - b);
    if (this.dims.length !== input.length || sorted.some((d, i) => d !== i + 1)) {
      throw new Error(`layer ${this.name}: dims ${JSON.stringify(this.dims)} are not a permutation of 1..${input.length} for input ${formatShape(input)}`);
    }
    return this.dims.map((d) => input[d - 1]!);
  }
  apply(x: Tensor): Tensor {
    return op.transpose(x, [0, ...this.dims]);
  }
}
