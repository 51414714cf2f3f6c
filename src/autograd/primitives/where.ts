/** where(cond, a, b) = cond ≠ 0 ? a : b, broadcasting all three. */
import { execute } from '../../tensor/engine.js';
import { broadcastShapes } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { cotangents, record } from '../tape.js';
import { sumTo } from './broadcast.js';
import { zerosLike } from './constants.js';

export function where(cond: Tensor, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes('where', cond.shape, a.shape, b.shape);
  const out = execute('where', [cond, a, b], shape, (be, [c, ai, bi]) => be.where(c!, ai!, bi!, shape));
  return record('where', [cond, a, b], out, (dy, needs) => {
    const zero = zerosLike(dy);
    return cotangents(needs, () => null, () => sumTo(where(cond, dy, zero), a.shape), () => sumTo(where(cond, zero, dy), b.shape));
  });
}
