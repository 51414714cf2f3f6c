/**
 * Depthwise convolution (cross-correlation), NHWC input [N, H, W, C], filter [kh, kw, C, M],
 * output [N, outH, outW, C·M]:
 *
 *   y[n, oh, ow, c·M + m] = Σ_{i, j} x[n, oh·sh + i·dh − top, ow·sw + j·dw − left, c] · w[i, j, c, m]
 *
 * (out-of-range x are zero), and its input and filter gradients. Plain loops: this is the float64
 * oracle, and a depthwise convolution is memory-bound, so the channel loop is innermost (it
 * streams one pixel's channels, and the filter's [C, M] of one tap is contiguous in the order of
 * the output's channels). Sums accumulate in double precision whatever the dtype. Each function
 * takes an optional output array: the WebAssembly backend runs them on views of its memory for
 * the shapes its SIMD kernel leaves out.
 */
import type { Conv2DParams } from '../backend.js';
import type { DType, TypedArray } from '../../tensor/dtype.js';
import { depthwiseGeometry } from '../conv-geometry.js';
import { type Shape } from '../../tensor/shape.js';
import { alloc, type HostArray } from './cpu-storage.js';
import type { ConvEpilogue } from './conv2d.js';

type Geometry = ReturnType<typeof depthwiseGeometry>;

/**
 * Calls visit(outPixel, taps) for every output pixel, where taps lists the kernel taps
 * whose input cell is inside the image as pairs [tap index, input pixel index]: the one place the
 * padding, stride and dilation arithmetic lives for all three kernels.
 */
function forEachPixel(g: Geometry, visit: (outPixel: number, taps: readonly number[]) => void): void {
  const taps: number[] = [];
  for (let n = 0; n < g.batch; n++) {
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        taps.length = 0;
        for (let i = 0; i < g.kh; i++) {
          const ih = oh * g.sh + i * g.dh - g.top;
          if (ih < 0 || ih >= g.inH) continue;
          for (let j = 0; j < g.kw; j++) {
            const iw = ow * g.sw + j * g.dw - g.left;
            if (iw < 0 || iw >= g.inW) continue;
            taps.push(i * g.kw + j, (n * g.inH + ih) * g.inW + iw);
          }
        }
        visit((n * g.outH + oh) * g.outW + ow, taps);
      }
    }
  }
}

export function depthwiseConv2d(input: HostArray, filter: HostArray, p: Conv2DParams, epilogue: ConvEpilogue, given?: TypedArray): TypedArray {
  const g = depthwiseGeometry('cpu.depthwiseConv2d', input.shape, filter.shape, p);
  const { bias, relu, dtype } = epilogue;
  const { inC: C, multiplier: M, outC } = g;
  if (bias !== null && bias.length !== outC) throw new Error(`cpu.depthwiseConv2d: bias has ${bias.length} values for ${outC} output channels`);
  const x = input.data;
  const w = filter.data;
  const out = given ?? alloc(dtype, g.batch * g.outH * g.outW * outC);
  const acc = new Float64Array(outC);
  forEachPixel(g, (o, taps) => {
    if (bias === null) acc.fill(0);
    else for (let k = 0; k < outC; k++) acc[k] = bias[k]!;
    for (let t = 0; t < taps.length; t += 2) {
      const wo = taps[t]! * outC;
      const xo = taps[t + 1]! * C;
      for (let c = 0; c < C; c++) {
        const xv = x[xo + c]!;
        for (let m = 0; m < M; m++) acc[c * M + m]! += xv * w[wo + c * M + m]!;
      }
    }
    const base = o * outC;
    // As conv2d's epilogue: negatives to 0, NaN passes through.
    for (let k = 0; k < outC; k++) out[base + k] = relu && acc[k]! < 0 ? 0 : acc[k]!;
  });
  return out;
}

/** dL/dx: each output pixel's dy, times the tap's weights, summed back into the cell it read. */
export function depthwiseConv2dBackpropInput(dy: TypedArray, filter: HostArray, xShape: Shape, p: Conv2DParams, dtype: DType, given?: TypedArray): TypedArray {
  const g = depthwiseGeometry('cpu.depthwiseConv2dBackpropInput', xShape, filter.shape, p);
  const { inC: C, multiplier: M, outC } = g;
  const w = filter.data;
  const dx = new Float64Array(g.batch * g.inH * g.inW * C);
  forEachPixel(g, (o, taps) => {
    const dyo = o * outC;
    for (let t = 0; t < taps.length; t += 2) {
      const wo = taps[t]! * outC;
      const xo = taps[t + 1]! * C;
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let m = 0; m < M; m++) s += dy[dyo + c * M + m]! * w[wo + c * M + m]!;
        dx[xo + c]! += s;
      }
    }
  });
  const out = given ?? alloc(dtype, dx.length);
  out.set(dx);
  return out;
}

/** dL/dfilter: for each tap, the sum over output pixels of the input cell it read times dy. */
export function depthwiseConv2dBackpropFilter(x: HostArray, dy: TypedArray, filterShape: Shape, p: Conv2DParams, dtype: DType, given?: TypedArray): TypedArray {
  const g = depthwiseGeometry('cpu.depthwiseConv2dBackpropFilter', x.shape, filterShape, p);
  const { inC: C, multiplier: M, outC } = g;
  const xs = x.data;
  const dw = new Float64Array(g.kh * g.kw * outC);
  forEachPixel(g, (o, taps) => {
    const dyo = o * outC;
    for (let t = 0; t < taps.length; t += 2) {
      const wo = taps[t]! * outC;
      const xo = taps[t + 1]! * C;
      for (let c = 0; c < C; c++) {
        const xv = xs[xo + c]!;
        for (let m = 0; m < M; m++) dw[wo + c * M + m]! += xv * dy[dyo + c * M + m]!;
      }
    }
  });
  const out = given ?? alloc(dtype, dw.length);
  out.set(dw);
  return out;
}
