/** Elementwise functions of one tensor, each with its derivative beside it. */
import type { UnaryOp } from '../../kernels/backend.js';
import { execute } from '../../tensor/engine.js';
import type { Tensor } from '../../tensor/tensor.js';
import { record } from '../tape.js';
import { div, mul } from './elementwise-binary.js';
import { scalarLike } from './constants.js';

function unary(op: UnaryOp, x: Tensor): Tensor {
  return execute(op, [x], x.shape, (be, [xi]) => be.unary(op, xi!));
}

export function neg(x: Tensor): Tensor {
  return record('neg', [x], unary('neg', x), (dy) => [neg(dy)]);
}

export function exp(x: Tensor): Tensor {
  const out = unary('exp', x);
  return record('exp', [x], out, (dy) => [mul(dy, out)]);
}

export function log(x: Tensor): Tensor {
  return record('log', [x], unary('log', x), (dy) => [div(dy, x)]);
}

export function sqrt(x: Tensor): Tensor {
  const out = unary('sqrt', x);
  // d√x/dx = 1 / (2√x)
  return record('sqrt', [x], out, (dy) => [div(dy, mul(out, scalarLike(x, 2)))]);
}

/** |x|; the gradient at 0 is 0 (sign(0) = 0). */
export function abs(x: Tensor): Tensor {
  return record('abs', [x], unary('abs', x), (dy) => [mul(dy, sign(x))]);
}

/** max(x, 0); the gradient at 0 is 0, as in TensorFlow and JAX. */
export function relu(x: Tensor): Tensor {
  const out = unary('relu', x);
  return record('relu', [x], out, (dy) => [mul(dy, step(x))]);
}

/** 1 where x > 0, else 0 (not differentiable). */
export function step(x: Tensor): Tensor {
  return unary('step', x);
}

/** −1, 0 or 1 (not differentiable). */
export function sign(x: Tensor): Tensor {
  return unary('sign', x);
}

export function square(x: Tensor): Tensor {
  return mul(x, x);
}
