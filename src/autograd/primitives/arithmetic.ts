/**
 * The field operations: add, sub, mul, div and neg, broadcasting. Their VJPs use only each other
 * and sumTo (the adjoint of broadcasting), so every other elementwise file builds on this one.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { cotangents, record } from '../tape.js';
import { sumTo } from './broadcast.js';
import { binaryKernel, unaryKernel } from './kernel-calls.js';

export function add(a: Tensor, b: Tensor): Tensor {
  const out = binaryKernel('add', a, b);
  return record('add', [a, b], out, (dy, needs) => cotangents(needs, () => sumTo(dy, a.shape), () => sumTo(dy, b.shape)));
}

export function sub(a: Tensor, b: Tensor): Tensor {
  const out = binaryKernel('sub', a, b);
  return record('sub', [a, b], out, (dy, needs) => cotangents(needs, () => sumTo(dy, a.shape), () => sumTo(neg(dy), b.shape)));
}

export function mul(a: Tensor, b: Tensor): Tensor {
  const out = binaryKernel('mul', a, b);
  return record('mul', [a, b], out, (dy, needs) => cotangents(needs, () => sumTo(mul(dy, b), a.shape), () => sumTo(mul(dy, a), b.shape)));
}

export function div(a: Tensor, b: Tensor): Tensor {
  const out = binaryKernel('div', a, b);
  // d(a/b)/da = 1/b;  d(a/b)/db = -a/b² = -out/b.
  return record('div', [a, b], out, (dy, needs) =>
    cotangents(needs, () => sumTo(div(dy, b), a.shape), () => sumTo(neg(div(mul(dy, out), b)), b.shape)),
  );
}

export function neg(x: Tensor): Tensor {
  return record('neg', [x], unaryKernel('neg', x), (dy) => [neg(dy)]);
}
