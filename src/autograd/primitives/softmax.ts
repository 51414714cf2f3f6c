/**
 * softmax and logSoftmax along an axis, composed from primitives. Both subtract the maximum
 * first (a constant shift, kept off the tape) so large logits cannot overflow exp.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { noGrad } from '../tape.js';
import { div, sub } from './arithmetic.js';
import { sum } from './broadcast.js';
import { exp, log } from './elementwise-unary.js';
import { max } from './reduce.js';

export function softmax(x: Tensor, axis = -1): Tensor {
  const e = exp(sub(x, noGrad(() => max(x, axis, { keepDims: true }))));
  return div(e, sum(e, axis, { keepDims: true }));
}

export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const shifted = sub(x, noGrad(() => max(x, axis, { keepDims: true })));
  return sub(shifted, log(sum(exp(shifted), axis, { keepDims: true })));
}
