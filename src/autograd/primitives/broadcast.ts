/**
 * broadcastTo and sum: each is the other's adjoint (the VJP of broadcasting sums, the VJP of a sum
 * broadcasts), so they live in one file; sumTo, the adjoint every broadcasting op uses, with them.
 */
import { execute } from '../../tensor/engine.js';
import { broadcastShapes, formatShape, normalizeAxes, reducedShape, shapesEqual, type Shape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { record } from '../tape.js';
import { reduceKernel } from './kernel-calls.js';
import { reshape } from './reshape.js';

export interface ReduceOptions {
  keepDims?: boolean;
}

export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  if (shapesEqual(x.shape, shape)) return x;
  const full = broadcastShapes('broadcastTo', x.shape, shape);
  if (!shapesEqual(full, shape)) {
    throw new Error(`broadcastTo: cannot broadcast ${formatShape(x.shape)} to ${formatShape(shape)}`);
  }
  // Align ranks with leading 1s so the kernel sees equal ranks.
  const aligned = x.rank === shape.length ? x : reshape(x, [...new Array(shape.length - x.rank).fill(1), ...x.shape]);
  const out = execute('broadcastTo', [aligned], shape, (be, [xi]) => be.broadcastTo(xi!, shape));
  return record('broadcastTo', [aligned], out, (dy) => [sumTo(dy, aligned.shape)]);
}

/** Sum over `axes` (all by default). */
export function sum(x: Tensor, axes?: number | number[], opts?: ReduceOptions): Tensor {
  const ax = normalizeAxes('sum', axes, x.rank);
  const keptShape = reducedShape(x.shape, ax, true);
  const raw = reduceKernel('sum', x, ax);
  const out = ax.length === 0 ? raw : record('sum', [x], raw, (dy) => [broadcastTo(reshape(dy, keptShape), x.shape)]);
  return opts?.keepDims ? reshape(out, keptShape) : out;
}

/** Sums a broadcast result back down to `shape` (the adjoint of broadcasting to dy.shape). */
export function sumTo(dy: Tensor, shape: Shape): Tensor {
  if (shapesEqual(dy.shape, shape)) return dy;
  const lead = dy.rank - shape.length;
  if (lead < 0) throw new Error(`sumTo: cannot sum ${formatShape(dy.shape)} down to ${formatShape(shape)}`);
  const axes: number[] = [];
  for (let i = 0; i < dy.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && dy.shape[i] !== 1)) axes.push(i);
  }
  return reshape(sum(dy, axes), shape);
}
