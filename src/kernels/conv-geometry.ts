/**
 * The sizes of one convolution (NHWC input, HWIO filter) under explicit strides, dilations and
 * padding, checked once at a backend's kernel boundary: the output size the op computed must be
 * the one these parameters give. Every CPU-side backend reads its kernels' loop bounds from it.
 */
import type { Conv2DParams } from './backend.js';
import { formatShape, type Shape } from '../tensor/shape.js';

export interface ConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  kh: number;
  kw: number;
  outH: number;
  outW: number;
  outC: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  top: number;
  left: number;
  bottom: number;
  right: number;
}

/**
 * The geometry of x [N, H, W, Cin] * filter [kh, kw, Cin, Cout] under `p`, or a one-line error
 * naming the shapes; `op` names the kernel in that error ('cpu.conv2d', 'wasm.conv2dBackpropInput').
 */
export function convGeometry(op: string, xShape: Shape, filterShape: Shape, p: Conv2DParams): ConvGeometry {
  if (xShape.length !== 4 || filterShape.length !== 4) {
    throw new Error(`${op}: expected NHWC input and HWIO filter, got ${formatShape(xShape)} and ${formatShape(filterShape)}`);
  }
  const [batch, inH, inW, inC] = xShape as [number, number, number, number];
  const [kh, kw, fc, outC] = filterShape as [number, number, number, number];
  if (fc !== inC) {
    throw new Error(`${op}: filter ${formatShape(filterShape)} expects ${fc} input channels, input ${formatShape(xShape)} has ${inC}`);
  }
  const [sh, sw] = p.strides;
  const [dh, dw] = p.dilations;
  const { top, bottom, left, right } = p.pad;
  const wantH = Math.max(0, Math.floor((inH + top + bottom - ((kh - 1) * dh + 1)) / sh) + 1);
  const wantW = Math.max(0, Math.floor((inW + left + right - ((kw - 1) * dw + 1)) / sw) + 1);
  if (p.outHeight !== wantH || p.outWidth !== wantW) {
    throw new Error(
      `${op}: output ${p.outHeight}×${p.outWidth} does not match input ${formatShape(xShape)}, filter ${formatShape(filterShape)}, ` +
        `strides [${sh}, ${sw}], dilations [${dh}, ${dw}], pad ${top}/${bottom}/${left}/${right} (expected ${wantH}×${wantW})`,
    );
  }
  return { batch, inH, inW, inC, kh, kw, outH: wantH, outW: wantW, outC, sh, sw, dh, dw, top, left, bottom, right };
}

/**
 * The geometry of a depthwise convolution, x [N, H, W, C] with filter [kh, kw, C, M]: conv2d's
 * check with M in the place of Cout, then `outC` is the output's C·M channels and `multiplier` M.
 */
export function depthwiseGeometry(op: string, xShape: Shape, filterShape: Shape, p: Conv2DParams): ConvGeometry & { multiplier: number } {
  const g = convGeometry(op, xShape, filterShape, p);
  return { ...g, outC: g.inC * g.outC, multiplier: g.outC };
}
