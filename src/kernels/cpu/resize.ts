/**
 * Bilinear resizing of NHWC images with half-pixel centres (TF2 `tf.image.resize`, PyTorch
 * `align_corners=False`): output index d samples the input at
 *   s = max(0, (d + 0.5) · in/out − 0.5),  between floor(s) and min(floor(s) + 1, in − 1),
 * with weight s − floor(s) on the upper neighbour. The backward pass is the exact adjoint: each
 * output gradient is spread over the same four input cells with the same weights.
 */
import type { DType, TypedArray } from '../../tensor/dtype.js';
import { formatShape, type Shape } from '../../tensor/shape.js';
import { alloc } from './cpu-storage.js';

interface AxisSamples {
  lo: Int32Array;
  hi: Int32Array;
  /** Weight of `hi`; `lo` gets 1 − frac. */
  frac: Float64Array;
}

function axisSamples(inSize: number, outSize: number): AxisSamples {
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const frac = new Float64Array(outSize);
  const scale = inSize / outSize;
  for (let d = 0; d < outSize; d++) {
    const s = Math.max(0, (d + 0.5) * scale - 0.5);
    const l = Math.min(Math.floor(s), inSize - 1);
    lo[d] = l;
    hi[d] = Math.min(l + 1, inSize - 1);
    frac[d] = s - l;
  }
  return { lo, hi, frac };
}

function checkShape(op: string, xShape: Shape, outH: number, outW: number): [number, number, number, number] {
  if (xShape.length !== 4) throw new Error(`cpu.${op}: expected an NHWC input, got ${formatShape(xShape)}`);
  const s = xShape as [number, number, number, number];
  if ((s[1] === 0 || s[2] === 0) && outH * outW > 0) {
    throw new Error(`cpu.${op}: cannot resize the empty image ${formatShape(xShape)} to ${outH}×${outW}`);
  }
  return s;
}

export function resizeBilinear(
  x: TypedArray, xShape: Shape, outH: number, outW: number, dtype: DType, given?: TypedArray,
): TypedArray {
  const [batch, inH, inW, C] = checkShape('resizeBilinear', xShape, outH, outW);
  const ys = axisSamples(inH, outH);
  const xs = axisSamples(inW, outW);
  const out = given ?? alloc(dtype, batch * outH * outW * C);
  let o = 0;
  for (let n = 0; n < batch; n++) {
    for (let oy = 0; oy < outH; oy++) {
      const fy = ys.frac[oy]!;
      const row0 = (n * inH + ys.lo[oy]!) * inW;
      const row1 = (n * inH + ys.hi[oy]!) * inW;
      for (let ox = 0; ox < outW; ox++) {
        const fx = xs.frac[ox]!;
        const a = (row0 + xs.lo[ox]!) * C;
        const b = (row0 + xs.hi[ox]!) * C;
        const c = (row1 + xs.lo[ox]!) * C;
        const d = (row1 + xs.hi[ox]!) * C;
        for (let k = 0; k < C; k++, o++) {
          const top = x[a + k]! + (x[b + k]! - x[a + k]!) * fx;
          const bottom = x[c + k]! + (x[d + k]! - x[c + k]!) * fx;
          out[o] = top + (bottom - top) * fy;
        }
      }
    }
  }
  return out;
}

export function resizeBilinearBackward(
  dy: TypedArray, dyShape: Shape, xShape: Shape, dtype: DType, given?: TypedArray,
): TypedArray {
  const [batch, inH, inW, C] = checkShape('resizeBilinearBackward', xShape, dyShape[1] ?? 0, dyShape[2] ?? 0);
  if (dyShape.length !== 4 || dyShape[0] !== batch || dyShape[3] !== C) {
    throw new Error(`cpu.resizeBilinearBackward: dy ${formatShape(dyShape)} does not fit input ${formatShape(xShape)}`);
  }
  const outH = dyShape[1]!;
  const outW = dyShape[2]!;
  const ys = axisSamples(inH, outH);
  const xs = axisSamples(inW, outW);
  const dx = new Float64Array(batch * inH * inW * C);
  let o = 0;
  for (let n = 0; n < batch; n++) {
    for (let oy = 0; oy < outH; oy++) {
      const fy = ys.frac[oy]!;
      const row0 = (n * inH + ys.lo[oy]!) * inW;
      const row1 = (n * inH + ys.hi[oy]!) * inW;
      for (let ox = 0; ox < outW; ox++) {
        const fx = xs.frac[ox]!;
        const w00 = (1 - fy) * (1 - fx);
        const w01 = (1 - fy) * fx;
        const w10 = fy * (1 - fx);
        const w11 = fy * fx;
        const a = (row0 + xs.lo[ox]!) * C;
        const b = (row0 + xs.hi[ox]!) * C;
        const c = (row1 + xs.lo[ox]!) * C;
        const d = (row1 + xs.hi[ox]!) * C;
        for (let k = 0; k < C; k++, o++) {
          const g = dy[o]!;
          dx[a + k]! += g * w00;
          dx[b + k]! += g * w01;
          dx[c + k]! += g * w10;
          dx[d + k]! += g * w11;
        }
      }
    }
  }
  if (dtype === 'float64' && given === undefined) return dx;
  const out = given ?? alloc(dtype, dx.length);
  out.set(dx);
  return out;
}
