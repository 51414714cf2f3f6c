/** Max and average pooling over NHWC windows. */
import type { Pool2DParams } from '../../kernels/backend.js';
import { execute } from '../../tensor/engine.js';
import { formatShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { record } from '../tape.js';
import { pair, windowGeometry } from './window.js';

export interface Pool2DOptions {
  /** Window size (default 2). */
  window?: number | [number, number];
  /** Default: the window size, as Keras. */
  strides?: number | [number, number];
  padding?: 'same' | 'valid';
}

function poolParams(op: string, x: Tensor, opts: Pool2DOptions): Pool2DParams {
  if (x.rank !== 4) throw new Error(`${op}: input must be NHWC (rank 4), got ${formatShape(x.shape)}`);
  const window = pair(op, 'window', opts.window, 2);
  const strides = pair(op, 'strides', opts.strides ?? window, 1);
  const g = windowGeometry(op, { input: [x.shape[1]!, x.shape[2]!], window, strides, dilations: [1, 1], padding: opts.padding ?? 'valid' });
  return { window, strides, ...g };
}

export function maxPool2d(x: Tensor, opts: Pool2DOptions = {}): Tensor {
  const p = poolParams('maxPool2d', x, opts);
  const shape = [x.shape[0]!, p.outHeight, p.outWidth, x.shape[3]!];
  const out = execute('maxPool2d', [x], shape, (be, [xi]) => be.maxPool2d(xi!, p));
  // The gradient goes to the first maximum of each window (recomputed from x, not stored). That
  // routing is a kernel of its own with no adjoint here, so a gradient of this gradient would be
  // silently zero: the node says so, and the tape throws instead (secondOrder: false).
  return record(
    'maxPool2d',
    [x],
    out,
    (dy) => [execute('maxPool2dBackward', [x, dy], x.shape, (be, [xi, d]) => be.maxPool2dBackward(xi!, d!, p))],
    { secondOrder: false },
  );
}

export function avgPool2d(x: Tensor, opts: Pool2DOptions = {}): Tensor {
  return averagePool(x, poolParams('avgPool2d', x, opts));
}

/** avgPool2d with resolved parameters, recorded (its adjoint's rule calls it again). */
function averagePool(x: Tensor, p: Pool2DParams): Tensor {
  const shape = [x.shape[0]!, p.outHeight, p.outWidth, x.shape[3]!];
  const out = execute('avgPool2d', [x], shape, (be, [xi]) => be.avgPool2d(xi!, p));
  return record('avgPool2d', [x], out, (dy) => [avgPool2dBackward(dy, x.shape, p)]);
}

/** The adjoint of avgPool2d (linear, so its own VJP is avgPool2d again). */
function avgPool2dBackward(dy: Tensor, xShape: readonly number[], p: Pool2DParams): Tensor {
  const out = execute('avgPool2dBackward', [dy], xShape, (be, [d]) => be.avgPool2dBackward(d!, xShape, p));
  return record('avgPool2dBackward', [dy], out, (g) => [averagePool(g, p)]);
}
