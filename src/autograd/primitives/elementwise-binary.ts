/**
 * Broadcasting binary arithmetic. Each op's VJP sums the cotangent back to the input's shape
 * (`sumTo`), which is the adjoint of broadcasting.
 */
import type { BinaryOp } from '../../kernels/backend.js';
import { execute } from '../../tensor/engine.js';
import { broadcastShapes } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { cotangents, record } from '../tape.js';
import { sumTo } from './broadcast.js';
import { log, neg } from './elementwise-unary.js';
import { scalarLike } from './constants.js';

function binary(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes(op, a.shape, b.shape);
  return execute(op, [a, b], shape, (be, [ai, bi]) => be.binary(op, ai!, bi!, shape));
}

export function add(a: Tensor, b: Tensor): Tensor {
  const out = binary('add', a, b);
  return record('add', [a, b], out, (dy, needs) => cotangents(needs, () => sumTo(dy, a.shape), () => sumTo(dy, b.shape)));
}

export function sub(a: Tensor, b: Tensor): Tensor {
  const out = binary('sub', a, b);
  return record('sub', [a, b], out, (dy, needs) => cotangents(needs, () => sumTo(dy, a.shape), () => sumTo(neg(dy), b.shape)));
}

export function mul(a: Tensor, b: Tensor): Tensor {
  const out = binary('mul', a, b);
  return record('mul', [a, b], out, (dy, needs) => cotangents(needs, () => sumTo(mul(dy, b), a.shape), () => sumTo(mul(dy, a), b.shape)));
}

export function div(a: Tensor, b: Tensor): Tensor {
  const out = binary('div', a, b);
  // d(a/b)/da = 1/b;  d(a/b)/db = -a/b² = -out/b.
  return record('div', [a, b], out, (dy, needs) =>
    cotangents(needs, () => sumTo(div(dy, b), a.shape), () => sumTo(neg(div(mul(dy, out), b)), b.shape)),
  );
}

/** a^b. The gradient with respect to b uses log(a), so it is defined for a > 0 only. */
export function pow(a: Tensor, b: Tensor): Tensor {
  const out = binary('pow', a, b);
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
  const out = binary('maximum', a, b);
  return record('maximum', [a, b], out, (dy, needs) => {
    const toA = greaterEqual(a, b);
    return cotangents(needs, () => sumTo(mul(dy, toA), a.shape), () => sumTo(sub(dy, mul(dy, toA)), b.shape));
  });
}

/** Elementwise min; at ties the gradient goes to `a`. */
export function minimum(a: Tensor, b: Tensor): Tensor {
  const out = binary('minimum', a, b);
  return record('minimum', [a, b], out, (dy, needs) => {
    const toA = greaterEqual(b, a);
    return cotangents(needs, () => sumTo(mul(dy, toA), a.shape), () => sumTo(sub(dy, mul(dy, toA)), b.shape));
  });
}

/** 1 where a > b, else 0 (not differentiable: no tape entry). */
export function greater(a: Tensor, b: Tensor): Tensor {
  return binary('greater', a, b);
}

/** 1 where a >= b, else 0. */
export function greaterEqual(a: Tensor, b: Tensor): Tensor {
  return binary('greaterEqual', a, b);
}

/** 1 where a == b, else 0. */
export function equal(a: Tensor, b: Tensor): Tensor {
  return binary('equal', a, b);
}
