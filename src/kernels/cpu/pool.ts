/**
 * NHWC max and average pooling and their gradients. A window is clipped to the input first, so
 * padded cells take no part at all: they never win a max and are not counted in an average
 * (TF's 'SAME' average pooling). The channel loop is innermost, streaming one pixel's channels.
 * Gradients accumulate in double precision, as windows may overlap.
 */
import type { Pool2DParams } from '../backend.js';
import type { DType, TypedArray } from '../../tensor/dtype.js';
import { formatShape, type Shape } from '../../tensor/shape.js';
import { alloc } from './cpu-storage.js';

interface PoolGeometry {
  batch: number;
  inH: number;
  inW: number;
  C: number;
  outH: number;
  outW: number;
}

function poolGeometry(op: string, xShape: Shape, p: Pool2DParams): PoolGeometry {
  if (xShape.length !== 4) throw new Error(`cpu.${op}: expected an NHWC input, got ${formatShape(xShape)}`);
  const [batch, inH, inW, C] = xShape as [number, number, number, number];
  const [kh, kw] = p.window;
  const [sh, sw] = p.strides;
  const wantH = Math.floor((inH + p.pad.top + p.pad.bottom - kh) / sh) + 1;
  const wantW = Math.floor((inW + p.pad.left + p.pad.right - kw) / sw) + 1;
  if (p.outHeight !== Math.max(0, wantH) || p.outWidth !== Math.max(0, wantW)) {
    throw new Error(
      `cpu.${op}: output ${p.outHeight}×${p.outWidth} does not match input ${formatShape(xShape)}, window [${kh}, ${kw}], ` +
        `strides [${sh}, ${sw}], pad ${p.pad.top}/${p.pad.bottom}/${p.pad.left}/${p.pad.right} (expected ${wantH}×${wantW})`,
    );
  }
  return { batch, inH, inW, C, outH: p.outHeight, outW: p.outWidth };
}

/**
 * Calls visit(outOffset, h0, h1, w0, w1, imageRow) for every output pixel, with the window
 * clipped to the input rows [h0, h1) and columns [w0, w1); imageRow is the first row of its
 * image in the flattened [N·H] row index.
 */
function forEachWindow(
  g: PoolGeometry, p: Pool2DParams,
  visit: (o: number, h0: number, h1: number, w0: number, w1: number, imageRow: number) => void,
): void {
  const [kh, kw] = p.window;
  const [sh, sw] = p.strides;
  for (let n = 0; n < g.batch; n++) {
    for (let oh = 0; oh < g.outH; oh++) {
      const hs = oh * sh - p.pad.top;
      const h0 = Math.max(hs, 0);
      const h1 = Math.min(hs + kh, g.inH);
      for (let ow = 0; ow < g.outW; ow++) {
        const ws = ow * sw - p.pad.left;
        visit(((n * g.outH + oh) * g.outW + ow) * g.C, h0, h1, Math.max(ws, 0), Math.min(ws + kw, g.inW), n * g.inH);
      }
    }
  }
}

/** A window with no cell inside the input gives -Infinity. */
export function maxPool2d(x: TypedArray, xShape: Shape, p: Pool2DParams, dtype: DType, given?: TypedArray): TypedArray {
  const g = poolGeometry('maxPool2d', xShape, p);
  const { inW, C } = g;
  const out = given ?? alloc(dtype, g.batch * g.outH * g.outW * C);
  forEachWindow(g, p, (o, h0, h1, w0, w1, imageRow) => {
    for (let c = 0; c < C; c++) out[o + c] = -Infinity;
    for (let h = h0; h < h1; h++) {
      for (let w = w0; w < w1; w++) {
        const s = ((imageRow + h) * inW + w) * C;
        for (let c = 0; c < C; c++) {
          const v = x[s + c]!;
          if (v > out[o + c]!) out[o + c] = v;
        }
      }
    }
  });
  return out;
}

/** dy goes to the first maximal cell of each window in row-major window order (strict > keeps the first). */
export function maxPool2dBackward(
  x: TypedArray, xShape: Shape, dy: TypedArray, p: Pool2DParams, dtype: DType, out?: TypedArray,
): TypedArray {
  const g = poolGeometry('maxPool2dBackward', xShape, p);
  const { inW, C } = g;
  const dx = new Float64Array(x.length);
  const best = new Float64Array(C);
  const where = new Int32Array(C);
  forEachWindow(g, p, (o, h0, h1, w0, w1, imageRow) => {
    best.fill(-Infinity);
    where.fill(-1);
    for (let h = h0; h < h1; h++) {
      for (let w = w0; w < w1; w++) {
        const s = ((imageRow + h) * inW + w) * C;
        for (let c = 0; c < C; c++) {
          const v = x[s + c]!;
          if (v > best[c]!) {
            best[c] = v;
            where[c] = s + c;
          }
        }
      }
    }
    for (let c = 0; c < C; c++) {
      const i = where[c]!;
      if (i >= 0) dx[i]! += dy[o + c]!;
    }
  });
  return toDType(dx, dtype, out);
}

/** The mean over the window's in-bounds cells. */
export function avgPool2d(x: TypedArray, xShape: Shape, p: Pool2DParams, dtype: DType, given?: TypedArray): TypedArray {
  const g = poolGeometry('avgPool2d', xShape, p);
  const { inW, C } = g;
  const out = given ?? alloc(dtype, g.batch * g.outH * g.outW * C);
  const sum = new Float64Array(C);
  forEachWindow(g, p, (o, h0, h1, w0, w1, imageRow) => {
    sum.fill(0);
    for (let h = h0; h < h1; h++) {
      for (let w = w0; w < w1; w++) {
        const s = ((imageRow + h) * inW + w) * C;
        for (let c = 0; c < C; c++) sum[c]! += x[s + c]!;
      }
    }
    const count = (h1 - h0) * (w1 - w0);
    for (let c = 0; c < C; c++) out[o + c] = sum[c]! / count;
  });
  return out;
}

export function avgPool2dBackward(dy: TypedArray, xShape: Shape, p: Pool2DParams, dtype: DType, out?: TypedArray): TypedArray {
  const g = poolGeometry('avgPool2dBackward', xShape, p);
  const { inW, C } = g;
  const dx = new Float64Array(g.batch * g.inH * inW * C);
  forEachWindow(g, p, (o, h0, h1, w0, w1, imageRow) => {
    const scale = 1 / ((h1 - h0) * (w1 - w0));
    for (let h = h0; h < h1; h++) {
      for (let w = w0; w < w1; w++) {
        const s = ((imageRow + h) * inW + w) * C;
        for (let c = 0; c < C; c++) dx[s + c]! += dy[o + c]! * scale;
      }
    }
  });
  return toDType(dx, dtype, out);
}

/** The accumulated values in `dtype`, written into `given` when there is one. */
function toDType(values: Float64Array, dtype: DType, given?: TypedArray): TypedArray {
  if (dtype === 'float64' && given === undefined) return values;
  const out = given ?? alloc(dtype, values.length);
  out.set(values);
  return out;
}
