/**
 * 2-D convolution (cross-correlation), NHWC input [N, H, W, Cin], HWIO filter
 * [kh, kw, Cin, Cout], explicit padding, strides and dilations:
 *
 *   y[n, oh, ow, co] = Σ_{i, j, ci} x[n, oh·sh + i·dh − top, ow·sw + j·dw − left, ci] · w[i, j, ci, co]
 *
 * (out-of-range x are zero), and its input gradient, dx = the adjoint of x ↦ y. Both run on the
 * implicit GEMM of implicit-gemm.ts; only which pixel feeds which tap differs. The filter
 * gradient is in conv2d-filter-grad.ts.
 */
import type { Conv2DParams } from '../backend.js';
import type { DType, TypedArray } from '../../tensor/dtype.js';
import { convGeometry } from '../conv-geometry.js';
import { type Shape } from '../../tensor/shape.js';
import { alloc, type HostArray } from './cpu-storage.js';
import { implicitGemm, packTapPanels, type PixelGather } from './implicit-gemm.js';

/** The forward convolution's epilogue (bias, then ReLU) and its output type. */
export interface ConvEpilogue {
  bias: TypedArray | null;
  relu: boolean;
  dtype: DType;
}

export function conv2d(input: HostArray, filter: HostArray, p: Conv2DParams, epilogue: ConvEpilogue): TypedArray {
  const { data: x, shape: xShape } = input;
  const { data: w, shape: wShape } = filter;
  const { bias, relu, dtype } = epilogue;
  const g = convGeometry('cpu.conv2d', xShape, wShape, p);
  const { batch, inH, inW, inC, kh, kw, outH, outW, outC, sh, sw, dh, dw, top, left } = g;
  if (bias !== null && bias.length !== outC) {
    throw new Error(`cpu.conv2d: bias has ${bias.length} values for ${outC} output channels`);
  }
  const out = alloc(dtype, batch * outH * outW * outC);
  const nTaps = kh * kw;
  // B_t[ci, co] = w[t, ci, co]: rows of length Cin, columns Cout.
  const packed = packTapPanels(w, nTaps, inC * outC, inC, outC, outC, 1, dtype);
  const pixelsPerImage = outH * outW;
  const gather: PixelGather = {
    numPixels: batch * pixelsPerImage,
    gather(start, count, dst, src) {
      for (let r = 0; r < count; r++) {
        const pix = start + r;
        dst[r] = pix * outC;
        const n = Math.floor(pix / pixelsPerImage);
        const rest = pix - n * pixelsPerImage;
        const oh = Math.floor(rest / outW);
        const ow = rest - oh * outW;
        const imageBase = n * inH;
        for (let i = 0; i < kh; i++) {
          const ih = oh * sh + i * dh - top;
          const rowOk = ih >= 0 && ih < inH;
          for (let j = 0; j < kw; j++) {
            const iw = ow * sw + j * dw - left;
            src[4 * (i * kw + j) + r] = rowOk && iw >= 0 && iw < inW ? ((imageBase + ih) * inW + iw) * inC : -1;
          }
        }
      }
    },
  };
  implicitGemm(x, inC, nTaps, packed, outC, gather, out, { bias, relu }, dtype);
  return out;
}

/**
 * dx[n, ih, iw, ci] = Σ over taps (i, j) and output pixels (oh, ow) with oh·sh + i·dh − top = ih
 * and ow·sw + j·dw − left = iw of Σ_co dy[n, oh, ow, co] · w[i, j, ci, co]. For one input pixel
 * and tap the output pixel is unique if it exists, so this is again a sum over taps of a row
 * times a matrix (W[i, j]ᵀ). Input pixels are visited grouped by (ih mod sh, iw mod sw): pixels
 * of one class are reached by the same taps, so with strides the skipped taps are skipped for
 * the whole block of four.
 */
export function conv2dBackpropInput(dy: TypedArray, filter: HostArray, xShape: Shape, p: Conv2DParams, dtype: DType): TypedArray {
  const { data: w, shape: wShape } = filter;
  const g = convGeometry('cpu.conv2dBackpropInput', xShape, wShape, p);
  const { batch, inH, inW, inC, kh, kw, outH, outW, outC, sh, sw, dh, dw, top, left } = g;
  if (dy.length !== batch * outH * outW * outC) {
    throw new Error(`cpu.conv2dBackpropInput: dy has ${dy.length} values, expected [${batch}, ${outH}, ${outW}, ${outC}]`);
  }
  const dx = alloc(dtype, batch * inH * inW * inC);
  const nTaps = kh * kw;
  // B_t[co, ci] = w[t, ci, co]: rows of length Cout, columns Cin.
  const packed = packTapPanels(w, nTaps, inC * outC, outC, 1, inC, outC, dtype);
  const order = residueOrder(inH, inW, sh, sw);
  const pixelsPerImage = inH * inW;
  const gather: PixelGather = {
    numPixels: batch * pixelsPerImage,
    gather(start, count, dst, src) {
      for (let r = 0; r < count; r++) {
        const pix = start + r;
        const n = Math.floor(pix / pixelsPerImage);
        const q = order[pix - n * pixelsPerImage]!;
        const ih = Math.floor(q / inW);
        const iw = q - ih * inW;
        dst[r] = (n * pixelsPerImage + q) * inC;
        const imageBase = n * outH;
        for (let i = 0; i < kh; i++) {
          const th = ih + top - i * dh;
          const oh = th / sh;
          const rowOk = th >= 0 && oh === Math.floor(oh) && oh < outH;
          for (let j = 0; j < kw; j++) {
            const tw = iw + left - j * dw;
            const ow = tw / sw;
            src[4 * (i * kw + j) + r] =
              rowOk && tw >= 0 && ow === Math.floor(ow) && ow < outW ? ((imageBase + oh) * outW + ow) * outC : -1;
          }
        }
      }
    },
  };
  implicitGemm(dy, outC, nTaps, packed, inC, gather, dx, { bias: null, relu: false }, dtype);
  return dx;
}

/** Pixel indices (ih·W + iw) of an H×W image ordered by residue class (ih mod sh, iw mod sw). */
function residueOrder(H: number, W: number, sh: number, sw: number): Int32Array {
  const order = new Int32Array(H * W);
  let k = 0;
  for (let rh = 0; rh < sh; rh++) {
    for (let rw = 0; rw < sw; rw++) {
      for (let ih = rh; ih < H; ih += sh) {
        for (let iw = rw; iw < W; iw += sw) order[k++] = ih * W + iw;
      }
    }
  }
  return order;
}
