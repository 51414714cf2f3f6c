/**
 * tf.keras 2.13's CustomScaleLayer (keras.applications' InceptionResNetV2 adds each block's
 * residual as `inputs[0] + inputs[1] * scale`, 0.17, 0.1 or 0.2; older Keras wrote the same as a
 * Lambda, which holds Python code and cannot load). Keras registers it as a serializable class, so a
 * file names it `CustomScaleLayer` or, with its package, `Custom>CustomScaleLayer`. Composed from
 * existing differentiable ops.
 */
import * as op from '../autograd/ops.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { MergeLayer } from './merge-layers.js';

export const SCALED_RESIDUAL_CLASSES = ['CustomScaleLayer', 'Custom>CustomScaleLayer'] as const;

export class ScaledResidualLayer implements MergeLayer {
  readonly kind = 'scaledResidual';
  readonly merge = true;
  readonly weights = [];
  constructor(
    readonly name: string,
    readonly scale: number,
  ) {
    if (!Number.isFinite(scale)) throw new Error(`layer ${name}: CustomScaleLayer scale ${scale} is not a number`);
  }
  mergedShape(inputs: readonly (readonly number[])[]): number[] {
    const [a, b] = inputs;
    if (inputs.length !== 2 || a!.length !== b!.length || a!.some((d, i) => d !== b![i])) {
      throw new Error(`layer ${this.name}: CustomScaleLayer needs two inputs of one shape, got ${inputs.map((s) => formatShape(s)).join(' and ')}`);
    }
    return [...a!];
  }
  applyMerge(xs: readonly Tensor[]): Tensor {
    const [shortcut, residual] = xs as [Tensor, Tensor];
    return op.add(shortcut, op.mul(residual, op.scalarLike(residual, this.scale)));
  }
}
