/** Reductions over axes (sum, mean, max, min), with keepDims. */
import type { ReduceOp } from '../../kernels/backend.js';
import { execute } from '../../tensor/engine.js';
import { normalizeAxes, reducedShape, sizeOf } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { record } from '../tape.js';
import { broadcastTo } from './broadcast.js';
import { scalarLike } from './constants.js';
import { div, equal, mul } from './elementwise-binary.js';
import { reshape } from './reshape.js';

export interface ReduceOptions {
  keepDims?: boolean;
}

function reduce(op: ReduceOp, x: Tensor, axes: number[]): Tensor {
  const shape = reducedShape(x.shape, axes, false);
  if (axes.length === 0) return x;
  return execute(op, [x], shape, (be, [xi]) => be.reduce(op, xi!, axes));
}

/** Sum over `axes` (all by default). */
export function sum(x: Tensor, axes?: number | number[], opts?: ReduceOptions): Tensor {
  const ax = normalizeAxes('sum', axes, x.rank);
  const keptShape = reducedShape(x.shape, ax, true);
  const raw = reduce('sum', x, ax);
  const out = ax.length === 0 ? raw : record('sum', [x], raw, (dy) => [broadcastTo(reshape(dy, keptShape), x.shape)]);
  return opts?.keepDims ? reshape(out, keptShape) : out;
}

export function mean(x: Tensor, axes?: number | number[], opts?: ReduceOptions): Tensor {
  const ax = normalizeAxes('mean', axes, x.rank);
  const count = sizeOf(ax.map((a) => x.shape[a]!));
  return div(sum(x, ax, opts), scalarLike(x, count));
}

/** Max over axes; the gradient is shared equally among tied maxima. */
export function max(x: Tensor, axes?: number | number[], opts?: ReduceOptions): Tensor {
  return extremum('max', x, axes, opts);
}

export function min(x: Tensor, axes?: number | number[], opts?: ReduceOptions): Tensor {
  return extremum('min', x, axes, opts);
}

function extremum(op: 'max' | 'min', x: Tensor, axes: number | number[] | undefined, opts?: ReduceOptions): Tensor {
  const ax = normalizeAxes(op, axes, x.rank);
  const keptShape = reducedShape(x.shape, ax, true);
  const raw = reduce(op, x, ax);
  const out =
    ax.length === 0
      ? raw
      : record(op, [x], raw, (dy) => {
          const hits = equal(x, broadcastTo(reshape(raw, keptShape), x.shape));
          const share = div(reshape(dy, keptShape), sum(hits, ax, { keepDims: true }));
          return [mul(hits, share)];
        });
  return opts?.keepDims ? reshape(out, keptShape) : out;
}
