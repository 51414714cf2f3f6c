/** Constants shaped or typed like an existing tensor, on its backend. */
import { execute } from '../../tensor/engine.js';
import type { Shape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';

/** A scalar (shape []) with t's backend and dtype; broadcasts against anything. */
export function scalarLike(t: Tensor, value: number): Tensor {
  return execute('scalar', [t], [], (be) => be.fill(1, value, t.dtype));
}

export function fullLike(t: Tensor, value: number, shape: Shape = t.shape): Tensor {
  return execute('full', [t], shape, (be) => be.fill(shape.reduce((a, b) => a * b, 1), value, t.dtype));
}

export function zerosLike(t: Tensor): Tensor {
  return fullLike(t, 0);
}

export function onesLike(t: Tensor): Tensor {
  return fullLike(t, 1);
}
