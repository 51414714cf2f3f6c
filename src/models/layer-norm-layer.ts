/**
 * LayerNormalization: each example normalised over its trailing axes,
 * y = γ·(x − mean)/√(var + ε) + β, with the biased variance, as Keras computes it.
 */
import * as op from '../autograd/ops.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Layer } from './layers.js';

/** LayerNormalization over an example's trailing axes. */
export class LayerNormLayer implements Layer {
  readonly kind = 'layerNormalization';
  constructor(
    readonly name: string,
    /** How many trailing axes of an example are normalised together (1: the channels). */
    readonly trailingAxes: number,
    readonly epsilon: number,
    readonly gamma: Tensor | null,
    readonly beta: Tensor | null,
    /**
     * Keras's axes as written when they count from the batch axis ([3] for an image's channels, [1]
     * for a vector's: ConvNeXt's head): they are trailing only for an example of that rank.
     */
    readonly kerasAxes?: readonly number[],
  ) {
    if (!Number.isInteger(trailingAxes) || trailingAxes < 1) throw new Error(`layer ${name}: normalises over ${trailingAxes} axes`);
  }
  get weights(): Tensor[] {
    return [this.gamma, this.beta].filter((t): t is Tensor => t !== null);
  }
  outputShape(input: readonly number[]): number[] {
    if (this.kerasAxes && Math.max(...this.kerasAxes) !== input.length) {
      throw new Error(`layer ${this.name}: LayerNormalization over axes ${JSON.stringify(this.kerasAxes)} of input ${formatShape(input)} is not supported (only trailing axes)`);
    }
    const tail = input.slice(input.length - this.trailingAxes);
    for (const [what, t] of [['gamma', this.gamma], ['beta', this.beta]] as const) {
      if (t && (t.size !== tail.reduce((a, b) => a * b, 1) || this.trailingAxes > input.length)) {
        throw new Error(`layer ${this.name}: ${what} ${formatShape(t.shape)} does not fit the normalised axes ${formatShape(tail)} of input ${formatShape(input)}`);
      }
    }
    return [...input];
  }
  apply(x: Tensor): Tensor {
    const axes = Array.from({ length: this.trailingAxes }, (_, i) => x.rank - this.trailingAxes + i);
    const tail = x.shape.slice(x.rank - this.trailingAxes);
    const centred = op.sub(x, op.mean(x, axes, { keepDims: true }));
    const variance = op.mean(op.square(centred), axes, { keepDims: true });
    let y = op.div(centred, op.sqrt(op.add(variance, op.scalarLike(x, this.epsilon))));
    if (this.gamma) y = op.mul(y, op.reshape(this.gamma, tail));
    if (this.beta) y = op.add(y, op.reshape(this.beta, tail));
    return y;
  }
}
