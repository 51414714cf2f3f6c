/**
 * 2-D convolution (cross-correlation, as Keras), NHWC input and HWIO filter, with optional bias
 * and ReLU fused into the same kernel. Its input and filter gradients are primitives of their
 * own because they deserve their own kernels.
 */
import type { Conv2DParams } from '../../kernels/backend.js';
import { execute } from '../../tensor/engine.js';
import { formatShape, type Shape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { cotangents, record } from '../tape.js';
import { mul } from './arithmetic.js';
import { sum } from './broadcast.js';
import { step } from './elementwise-unary.js';
import { pair, windowGeometry, type PaddingSpec } from './window.js';

export interface Conv2DOptions {
  strides?: number | [number, number];
  dilations?: number | [number, number];
  padding?: PaddingSpec;
  bias?: Tensor | null;
  activation?: 'linear' | 'relu';
}

export function conv2dParams(xShape: Shape, filterShape: Shape, opts: Conv2DOptions): Conv2DParams {
  if (xShape.length !== 4) throw new Error(`conv2d: input must be NHWC (rank 4), got ${formatShape(xShape)}`);
  if (filterShape.length !== 4) throw new Error(`conv2d: filter must be HWIO (rank 4), got ${formatShape(filterShape)}`);
  if (xShape[3] !== filterShape[2]) {
    throw new Error(`conv2d: input ${formatShape(xShape)} has ${xShape[3]} channels but filter ${formatShape(filterShape)} expects ${filterShape[2]}`);
  }
  const strides = pair('conv2d', 'strides', opts.strides, 1);
  const dilations = pair('conv2d', 'dilations', opts.dilations, 1);
  const g = windowGeometry('conv2d', {
    input: [xShape[1]!, xShape[2]!],
    window: [filterShape[0]!, filterShape[1]!],
    strides,
    dilations,
    padding: opts.padding ?? 'valid',
  });
  return { strides, dilations, ...g };
}

export function conv2d(x: Tensor, filter: Tensor, opts: Conv2DOptions = {}): Tensor {
  const p = conv2dParams(x.shape, filter.shape, opts);
  const bias = opts.bias ?? null;
  const cout = filter.shape[3]!;
  if (bias && (bias.rank !== 1 || bias.shape[0] !== cout)) {
    throw new Error(`conv2d: bias ${formatShape(bias.shape)} does not match the filter's ${cout} output channels`);
  }
  return convolve(x, filter, bias, p, opts.activation === 'relu');
}

/**
 * conv2d with resolved parameters, recorded with its rule. The second-order rules of the two
 * gradient primitives call it too, so a gradient of a gradient of a convolution is itself
 * differentiable (third order and beyond).
 */
function convolve(x: Tensor, filter: Tensor, bias: Tensor | null, p: Conv2DParams, relu: boolean): Tensor {
  const shape = [x.shape[0]!, p.outHeight, p.outWidth, filter.shape[3]!];
  const inputs = bias ? [x, filter, bias] : [x, filter];
  const out = execute('conv2d', inputs, shape, (be, [xi, fi, bi]) => be.conv2d(xi!, fi!, bi ?? null, p, relu));
  return record('conv2d', inputs, out, (dy, needs) => {
    // step(out) is piecewise constant: the fused ReLU's mask needs no derivative of its own.
    const g = relu ? mul(dy, step(out)) : dy;
    return cotangents(
      needs,
      () => conv2dBackpropInput(g, filter, x.shape, p),
      () => conv2dBackpropFilter(x, g, filter.shape, p),
      () => sum(g, [0, 1, 2]),
    );
  });
}

/** ∂L/∂x of conv2d for the cotangent dy; linear in dy and in the filter. */
export function conv2dBackpropInput(dy: Tensor, filter: Tensor, xShape: Shape, p: Conv2DParams): Tensor {
  const out = execute('conv2dBackpropInput', [dy, filter], xShape, (be, [d, f]) => be.conv2dBackpropInput(d!, f!, xShape, p));
  // It is bilinear in (dy, filter): its adjoint in dy is conv2d, in the filter the filter gradient.
  return record('conv2dBackpropInput', [dy, filter], out, (g, needs) =>
    cotangents(needs, () => convolve(g, filter, null, p, false), () => conv2dBackpropFilter(g, dy, filter.shape, p)),
  );
}

/** ∂L/∂filter of conv2d for input x and cotangent dy. */
export function conv2dBackpropFilter(x: Tensor, dy: Tensor, filterShape: Shape, p: Conv2DParams): Tensor {
  const out = execute('conv2dBackpropFilter', [x, dy], filterShape, (be, [xi, d]) => be.conv2dBackpropFilter(xi!, d!, filterShape, p));
  return record('conv2dBackpropFilter', [x, dy], out, (g, needs) =>
    cotangents(needs, () => conv2dBackpropInput(dy, g, x.shape, p), () => convolve(x, g, null, p, false)),
  );
}
