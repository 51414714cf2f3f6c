/** Bilinear resize with half-pixel centres (TF2, PyTorch align_corners=false), NHWC. */
import { execute } from '../../tensor/engine.js';
import { formatShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { record } from '../tape.js';

export function resizeBilinear(x: Tensor, size: readonly [number, number]): Tensor {
  if (x.rank !== 4) throw new Error(`resizeBilinear: input must be NHWC (rank 4), got ${formatShape(x.shape)}`);
  const [h, w] = size;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1) {
    throw new Error(`resizeBilinear: size [${size}] must be positive integers`);
  }
  const shape = [x.shape[0]!, h, w, x.shape[3]!];
  const out = execute('resizeBilinear', [x], shape, (be, [xi]) => be.resizeBilinear(xi!, h, w));
  return record('resizeBilinear', [x], out, (dy) => [resizeBilinearBackward(dy, x.shape)]);
}

/** The adjoint of resizeBilinear (linear in dy, so its own VJP is the resize again). */
function resizeBilinearBackward(dy: Tensor, xShape: readonly number[]): Tensor {
  const out = execute('resizeBilinearBackward', [dy], xShape, (be, [d]) => be.resizeBilinearBackward(d!, xShape));
  return record('resizeBilinearBackward', [dy], out, (g) => [resizeBilinear(g, [dy.shape[1]!, dy.shape[2]!])]);
}
