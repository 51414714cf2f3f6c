/**
 * Layers with several inputs (Keras merge layers): Add, Subtract, Multiply, Average, Maximum and
 * Concatenate. They appear only in graph models; each is a fold of existing differentiable ops,
 * so their gradients come from those ops' rules.
 */
import * as op from '../autograd/ops.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

export interface MergeLayer {
  readonly name: string;
  readonly kind: string;
  readonly weights: readonly Tensor[];
  readonly softmax?: boolean;
  /** Marks a layer that takes a list of inputs (graph models call `applyMerge`, not `apply`). */
  readonly merge: true;
  /** One example's output shape given one example's input shapes; throws naming the layer on a mismatch. */
  mergedShape(inputs: readonly (readonly number[])[]): number[];
  applyMerge(xs: readonly Tensor[]): Tensor;
}

/**
 * The shape element-wise inputs broadcast to: one shape, or shapes that differ only where one of
 * them is 1 (Keras allows it: EfficientNet's squeeze-and-excitation multiplies [h, w, c] by
 * [1, 1, c]); throws naming the layer and `what` otherwise.
 */
export function broadcastShapes(layer: string, what: string, inputs: readonly (readonly number[])[]): number[] {
  const first = inputs[0]!;
  const out = [...first];
  for (const s of inputs) {
    if (s.length !== first.length || s.some((d, i) => d !== out[i] && d !== 1 && out[i] !== 1)) {
      throw new Error(`layer ${layer}: ${what} needs inputs of one shape (or 1 where they differ), got ${inputs.map((t) => formatShape(t)).join(' and ')}`);
    }
    s.forEach((d, i) => (out[i] = Math.max(out[i]!, d)));
  }
  return out;
}

export type ElementwiseMergeKind = 'add' | 'subtract' | 'multiply' | 'average' | 'maximum';

/** Element-wise merges: every input has the same shape (Keras requires it for images too). */
export class ElementwiseMergeLayer implements MergeLayer {
  readonly merge = true;
  readonly weights = [];
  constructor(
    readonly name: string,
    readonly kind: ElementwiseMergeKind,
  ) {}
  mergedShape(inputs: readonly (readonly number[])[]): number[] {
    if (inputs.length < 2 || (this.kind === 'subtract' && inputs.length !== 2)) {
      throw new Error(`layer ${this.name}: ${this.kind} needs ${this.kind === 'subtract' ? 'exactly 2' : 'at least 2'} inputs, got ${inputs.length}`);
    }
    return broadcastShapes(this.name, this.kind, inputs);
  }
  applyMerge(xs: readonly Tensor[]): Tensor {
    const [first, ...rest] = xs;
    switch (this.kind) {
      case 'add':
        return rest.reduce((a, b) => op.add(a, b), first!);
      case 'subtract':
        return op.sub(first!, rest[0]!);
      case 'multiply':
        return rest.reduce((a, b) => op.mul(a, b), first!);
      case 'maximum':
        return rest.reduce((a, b) => op.maximum(a, b), first!);
      case 'average':
        return op.div(rest.reduce((a, b) => op.add(a, b), first!), op.scalarLike(first!, xs.length));
    }
  }
}

/** Concatenation along one axis of the example (Keras counts the batch axis: -1 = channels). */
export class ConcatenateLayer implements MergeLayer {
  readonly kind = 'concatenate';
  readonly merge = true;
  readonly weights = [];
  constructor(
    readonly name: string,
    /** Keras's axis, counting the batch axis as 0; negative counts from the end. */
    readonly axis = -1,
  ) {}
  /** The axis within one example (no batch axis). */
  private exampleAxis(rank: number): number {
    const a = this.axis < 0 ? rank + 1 + this.axis : this.axis;
    if (a < 1 || a > rank) throw new Error(`layer ${this.name}: concatenation axis ${this.axis} does not exist for inputs of rank ${rank}`);
    return a - 1;
  }
  mergedShape(inputs: readonly (readonly number[])[]): number[] {
    if (inputs.length < 1) throw new Error(`layer ${this.name}: concatenate needs inputs`);
    const first = inputs[0]!;
    const ax = this.exampleAxis(first.length);
    let total = 0;
    for (const s of inputs) {
      if (s.length !== first.length || s.some((d, i) => i !== ax && d !== first[i])) {
        throw new Error(`layer ${this.name}: concatenate along axis ${this.axis} needs shapes equal elsewhere, got ${inputs.map((t) => formatShape(t)).join(' and ')}`);
      }
      total += s[ax]!;
    }
    const out = [...first];
    out[ax] = total;
    return out;
  }
  applyMerge(xs: readonly Tensor[]): Tensor {
    return op.concat(xs, this.exampleAxis(xs[0]!.rank - 1) + 1);
  }
}

/**
 * One binary op on two tensors (x, then y), broadcasting where a dimension is 1: what tf.keras 2's
 * TFOpLambda (tf-op-layers.ts) and Keras 3's operation nodes (keras-operations.ts) record for
 * arithmetic between two tensors.
 */
export class BinaryOpLayer implements MergeLayer {
  readonly merge = true;
  readonly weights = [];
  constructor(
    readonly name: string,
    /** The op as the file names it ('tf.math.multiply', 'ops.Add'), for messages. */
    readonly fn: string,
    private readonly f: (x: Tensor, y: Tensor) => Tensor,
    /** 'tfOpLambda' (tf.keras 2) or 'kerasOp' (a Keras 3 operation node). */
    readonly kind: 'tfOpLambda' | 'kerasOp',
  ) {}
  mergedShape(inputs: readonly (readonly number[])[]): number[] {
    if (inputs.length !== 2) throw new Error(`layer ${this.name}: ${this.fn} needs 2 tensors, got ${inputs.length}`);
    return broadcastShapes(this.name, this.fn, inputs);
  }
  applyMerge(xs: readonly Tensor[]): Tensor {
    return this.f(xs[0]!, xs[1]!);
  }
}
