/** Reductions over axes built on sum (see broadcast.ts): mean, max and min, with keepDims. */
import { normalizeAxes, reducedShape, sizeOf } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { record } from '../tape.js';
import { div, mul } from './arithmetic.js';
import { broadcastTo, sum, type ReduceOptions } from './broadcast.js';
import { scalarLike } from './constants.js';
import { equal } from './elementwise-binary.js';
import { reduceKernel } from './kernel-calls.js';
import { reshape } from './reshape.js';

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
  const raw = reduceKernel(op, x, ax);
  const out =
    ax.length === 0
      ? raw
      : record(op, [x], raw, (dy) => {
          // The mask of maxima is piecewise constant, so this rule is differentiable again.
          const hits = equal(x, broadcastTo(reshape(raw, keptShape), x.shape));
          const share = div(reshape(dy, keptShape), sum(hits, ax, { keepDims: true }));
          return [mul(hits, share)];
        });
  return opts?.keepDims ? reshape(out, keptShape) : out;
}
