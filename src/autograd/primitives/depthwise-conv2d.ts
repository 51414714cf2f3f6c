/**
 * Depthwise 2-D convolution (cross-correlation, as Keras's DepthwiseConv2D): NHWC input
 * [N, H, W, C], filter [kh, kw, C, M], output [N, H', W', C·M] with channel c·M + m the input's
 * channel c through filter[:, :, c, m]. Optional bias and ReLU are fused into the kernel, as in
 * conv2d. A kernel of its own rather than a composition of shifted views, which kept one view,
 * product and running sum per tap on the tape. Like conv2d it is bilinear in (x, filter), so its
 * two gradients are primitives whose rules call each other and the forward: differentiable to
 * any order.
 */
import type { Conv2DParams } from '../../kernels/backend.js';
import { execute } from '../../tensor/engine.js';
import { formatShape, type Shape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { cotangents, record } from '../tape.js';
import { mul } from './arithmetic.js';
import { sum } from './broadcast.js';
import type { Conv2DOptions } from './conv2d.js';
import { step } from './elementwise-unary.js';
import { pair, windowGeometry } from './window.js';

export function depthwiseConv2dParams(xShape: Shape, filterShape: Shape, opts: Conv2DOptions): Conv2DParams {
  const op = 'depthwiseConv2d';
  if (xShape.length !== 4) throw new Error(`${op}: input must be NHWC (rank 4), got ${formatShape(xShape)}`);
  if (filterShape.length !== 4) throw new Error(`${op}: filter must be [kh, kw, C, M] (rank 4), got ${formatShape(filterShape)}`);
  if (xShape[3] !== filterShape[2]) {
    throw new Error(`${op}: input ${formatShape(xShape)} has ${xShape[3]} channels but filter ${formatShape(filterShape)} expects ${filterShape[2]}`);
  }
  const strides = pair(op, 'strides', opts.strides, 1);
  const dilations = pair(op, 'dilations', opts.dilations, 1);
  const g = windowGeometry(op, { input: [xShape[1]!, xShape[2]!], window: [filterShape[0]!, filterShape[1]!], strides, dilations, padding: opts.padding ?? 'valid' });
  return { strides, dilations, ...g };
}

/** x [N, H, W, C] with filter [kh, kw, C, M] → [N, H', W', C·M] (channel c·M + m); conv2d's options, 'same' as TensorFlow's. */
export function depthwiseConv2d(x: Tensor, filter: Tensor, opts: Conv2DOptions = {}): Tensor {
  const p = depthwiseConv2dParams(x.shape, filter.shape, opts);
  const bias = opts.bias ?? null;
  const channels = filter.shape[2]! * filter.shape[3]!;
  if (bias && (bias.rank !== 1 || bias.shape[0] !== channels)) {
    throw new Error(`depthwiseConv2d: bias ${formatShape(bias.shape)} does not match the filter's ${channels} output channels`);
  }
  return convolve(x, filter, bias, p, opts.activation === 'relu');
}

/** depthwiseConv2d with resolved parameters, recorded with its rule (the gradients' second-order rules call it too). */
function convolve(x: Tensor, filter: Tensor, bias: Tensor | null, p: Conv2DParams, relu: boolean): Tensor {
  const shape = [x.shape[0]!, p.outHeight, p.outWidth, filter.shape[2]! * filter.shape[3]!];
  const inputs = bias ? [x, filter, bias] : [x, filter];
  const out = execute('depthwiseConv2d', inputs, shape, (be, [xi, fi, bi]) => be.depthwiseConv2d(xi!, fi!, bi ?? null, p, relu));
  return record('depthwiseConv2d', inputs, out, (dy, needs) => {
    // step(out) is piecewise constant: the fused ReLU's mask needs no derivative of its own.
    const g = relu ? mul(dy, step(out)) : dy;
    return cotangents(
      needs,
      () => depthwiseConv2dBackpropInput(g, filter, x.shape, p),
      () => depthwiseConv2dBackpropFilter(x, g, filter.shape, p),
      () => sum(g, [0, 1, 2]),
    );
  });
}

/** ∂L/∂x of depthwiseConv2d for the cotangent dy; linear in dy and in the filter. */
export function depthwiseConv2dBackpropInput(dy: Tensor, filter: Tensor, xShape: Shape, p: Conv2DParams): Tensor {
  const name = 'depthwiseConv2dBackpropInput';
  const out = execute(name, [dy, filter], xShape, (be, [d, f]) => be.depthwiseConv2dBackpropInput(d!, f!, xShape, p));
  // Bilinear in (dy, filter): its adjoint in dy is the forward pass, in the filter the filter gradient.
  return record(name, [dy, filter], out, (g, needs) =>
    cotangents(needs, () => convolve(g, filter, null, p, false), () => depthwiseConv2dBackpropFilter(g, dy, filter.shape, p)),
  );
}

/** ∂L/∂filter of depthwiseConv2d for input x and cotangent dy. */
export function depthwiseConv2dBackpropFilter(x: Tensor, dy: Tensor, filterShape: Shape, p: Conv2DParams): Tensor {
  const name = 'depthwiseConv2dBackpropFilter';
  const out = execute(name, [x, dy], filterShape, (be, [xi, d]) => be.depthwiseConv2dBackpropFilter(xi!, d!, filterShape, p));
  return record(name, [x, dy], out, (g, needs) =>
    cotangents(needs, () => depthwiseConv2dBackpropInput(dy, g, x.shape, p), () => convolve(x, g, null, p, false)),
  );
}
