/**
 * Broadcasting binary functions beyond the field operations (arithmetic.ts): pow, maximum,
 * minimum, and the 0/1 comparisons. Each VJP sums the cotangent back to the input's shape.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { cotangents, record } from '../tape.js';
import { mul, sub } from './arithmetic.js';
import { sumTo } from './broadcast.js';
import { scalarLike } from './constants.js';
import { log } from './elementwise-unary.js';
import { binaryKernel } from './kernel-calls.js';

/** a^b. The gradient with respect to b uses log(a), so it is defined for a > 0 only. */
export function pow(a: Tensor, b: Tensor): Tensor {
  const out = binaryKernel('pow', a, b);
  return record('pow', [a, b], out, (dy, needs) =>
    cotangents(
      needs,
      // b·a^(b−1) written as b·out/a would divide by zero at a = 0; use a^(b−1) directly.
      () => sumTo(mul(dy, mul(b, pow(a, sub(b, scalarLike(b, 1))))), a.shape),
      () => sumTo(mul(dy, mul(out, log(a))), b.shape),
    ),
  );
}

/** Elementwise max; at ties the gradient goes to `a`. */
export function maximum(a: Tensor, b: Tensor): Tensor {
  const out = binaryKernel('maximum', a, b);
  return record('maximum', [a, b], out, (dy, needs) => {
    const toA = greaterEqual(a, b);
    return cotangents(needs, () => sumTo(mul(dy, toA), a.shape), () => sumTo(sub(dy, mul(dy, toA)), b.shape));
  });
}

/** Elementwise min; at ties the gradient goes to `a`. */
export function minimum(a: Tensor, b: Tensor): Tensor {
  const out = binaryKernel('minimum', a, b);
  return record('minimum', [a, b], out, (dy, needs) => {
    const toA = greaterEqual(b, a);
    return cotangents(needs, () => sumTo(mul(dy, toA), a.shape), () => sumTo(sub(dy, mul(dy, toA)), b.shape));
  });
}

/** 1 where a > b, else 0 (not differentiable: no tape entry). */
export function greater(a: Tensor, b: Tensor): Tensor {
  return binaryKernel('greater', a, b);
}

/** 1 where a >= b, else 0. */
export function greaterEqual(a: Tensor, b: Tensor): Tensor {
  return binaryKernel('greaterEqual', a, b);
}

/** 1 where a == b, else 0. */
export function equal(a: Tensor, b: Tensor): Tensor {
  return binaryKernel('equal', a, b);
}
