/** Picking class scores: a one-hot mask times the scores, summed (differentiable in the scores). */
import { oneHot } from '../../tensor/creation.js';
import { formatShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { mul } from './arithmetic.js';
import { sum } from './broadcast.js';

/** scores [B, K], classes (one per row) → [B]: scores[b, classes[b]]. */
export function pickClasses(scores: Tensor, classes: readonly number[]): Tensor {
  if (scores.rank !== 2 || scores.shape[0] !== classes.length) {
    throw new Error(`pickClasses: scores ${formatShape(scores.shape)} need rank 2 with one row per class index (${classes.length} given)`);
  }
  const K = scores.shape[1]!;
  for (const c of classes) {
    if (!Number.isInteger(c) || c < 0 || c >= K) throw new Error(`pickClasses: class index ${c} is out of range [0, ${K})`);
  }
  const mask = oneHot(classes, K, { dtype: scores.dtype, backend: scores.backend });
  return sum(mul(scores, mask), 1);
}
