/**
 * The unrecorded kernel calls that several primitive files share. They make no tape entry: each
 * primitive records its own node (with its VJP) around them, so these stay free of op imports and
 * every primitive file can use them without import cycles.
 */
import type { BinaryOp, ReduceOp, UnaryOp } from '../../kernels/backend.js';
import { execute } from '../../tensor/engine.js';
import { broadcastShapes, reducedShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';

export function binaryKernel(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes(op, a.shape, b.shape);
  return execute(op, [a, b], shape, (be, [ai, bi]) => be.binary(op, ai!, bi!, shape));
}

export function unaryKernel(op: UnaryOp, x: Tensor): Tensor {
  return execute(op, [x], x.shape, (be, [xi]) => be.unary(op, xi!));
}

/** Reduces over already-normalised axes; no axes returns x itself. */
export function reduceKernel(op: ReduceOp, x: Tensor, axes: number[]): Tensor {
  if (axes.length === 0) return x;
  const shape = reducedShape(x.shape, axes, false);
  return execute(op, [x], shape, (be, [xi]) => be.reduce(op, xi!, axes));
}
