/** Elementwise functions of one tensor, each with its derivative beside it (neg: arithmetic.ts). */
import type { Tensor } from '../../tensor/tensor.js';
import { record } from '../tape.js';
import { div, mul } from './arithmetic.js';
import { scalarLike } from './constants.js';
import { unaryKernel } from './kernel-calls.js';

export function exp(x: Tensor): Tensor {
  const out = unaryKernel('exp', x);
  return record('exp', [x], out, (dy) => [mul(dy, out)]);
}

export function log(x: Tensor): Tensor {
  return record('log', [x], unaryKernel('log', x), (dy) => [div(dy, x)]);
}

export function sqrt(x: Tensor): Tensor {
  const out = unaryKernel('sqrt', x);
  // d√x/dx = 1 / (2√x)
  return record('sqrt', [x], out, (dy) => [div(dy, mul(out, scalarLike(x, 2)))]);
}

/** |x|; the gradient at 0 is 0 (sign(0) = 0). */
export function abs(x: Tensor): Tensor {
  return record('abs', [x], unaryKernel('abs', x), (dy) => [mul(dy, sign(x))]);
}

/** max(x, 0); the gradient at 0 is 0, as in TensorFlow and JAX. */
export function relu(x: Tensor): Tensor {
  const out = unaryKernel('relu', x);
  return record('relu', [x], out, (dy) => [mul(dy, step(x))]);
}

/** 1 where x > 0, else 0 (not differentiable). */
export function step(x: Tensor): Tensor {
  return unaryKernel('step', x);
}

/** −1, 0 or 1 (not differentiable). */
export function sign(x: Tensor): Tensor {
  return unaryKernel('sign', x);
}

export function square(x: Tensor): Tensor {
  return mul(x, x);
}
