/**
 * tf.keras 2.13's LayerScale (keras.applications' ConvNeXt): each channel multiplied by a learned
 * gamma, `x * gamma` over the last axis; its one weight is `gamma:0` ([projection_dim]). Composed
 * from an existing broadcasting multiply.
 */
import * as op from '../autograd/ops.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Layer } from './layers.js';

export class LayerScaleLayer implements Layer {
  readonly kind = 'layerScale';
  constructor(
    readonly name: string,
    readonly gamma: Tensor,
  ) {
    if (gamma.rank !== 1) throw new Error(`layer ${name}: LayerScale gamma must be [C], got ${formatShape(gamma.shape)}`);
  }
  get weights(): Tensor[] {
    return [this.gamma];
  }
  outputShape(input: readonly number[]): number[] {
    if (input.at(-1) !== this.gamma.shape[0]) throw new Error(`layer ${this.name}: LayerScale gamma ${formatShape(this.gamma.shape)} does not fit input ${formatShape(input)}`);
    return [...input];
  }
  apply(x: Tensor): Tensor {
    return op.mul(x, this.gamma);
  }
}
