/** Padding and output-size arithmetic shared by conv2d and pooling (TensorFlow's conventions). */
import type { Padding2D } from '../../kernels/backend.js';

/** 'same' and 'valid' as in Keras/TF; a number pads all sides; or [[top, bottom], [left, right]]. */
export type PaddingSpec = 'same' | 'valid' | number | readonly [readonly [number, number], readonly [number, number]];

export function pair(op: string, name: string, v: number | readonly [number, number] | undefined, dflt: number): [number, number] {
  const p: [number, number] = v === undefined ? [dflt, dflt] : typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!p.every((x) => Number.isInteger(x) && x >= 1)) throw new Error(`${op}: ${name} must be positive integers, got ${JSON.stringify(v)}`);
  return p;
}

/** A sliding window over the spatial axes: the input's size, the window's, its steps and padding. */
export interface WindowSpec {
  /** Input height and width. */
  input: readonly [number, number];
  /** Window (filter or pool) height and width. */
  window: readonly [number, number];
  strides: readonly [number, number];
  dilations: readonly [number, number];
  padding: PaddingSpec;
}

/** Resolves padding and computes the output size along both spatial axes. */
export function windowGeometry(op: string, spec: WindowSpec): { pad: Padding2D; outHeight: number; outWidth: number } {
  const [inH, inW] = spec.input;
  const [kh, kw] = spec.window;
  const { strides, dilations, padding } = spec;
  const effH = (kh - 1) * dilations[0] + 1;
  const effW = (kw - 1) * dilations[1] + 1;
  let pad: Padding2D;
  if (padding === 'same') {
    // TF: output = ceil(in / stride); the odd pixel of padding goes at the bottom/right.
    const outH = Math.ceil(inH / strides[0]);
    const outW = Math.ceil(inW / strides[1]);
    const totalH = Math.max((outH - 1) * strides[0] + effH - inH, 0);
    const totalW = Math.max((outW - 1) * strides[1] + effW - inW, 0);
    pad = { top: Math.floor(totalH / 2), bottom: totalH - Math.floor(totalH / 2), left: Math.floor(totalW / 2), right: totalW - Math.floor(totalW / 2) };
  } else if (padding === 'valid') {
    pad = { top: 0, bottom: 0, left: 0, right: 0 };
  } else if (typeof padding === 'number') {
    pad = { top: padding, bottom: padding, left: padding, right: padding };
  } else {
    pad = { top: padding[0][0], bottom: padding[0][1], left: padding[1][0], right: padding[1][1] };
  }
  if (Object.values(pad).some((v) => !Number.isInteger(v) || v < 0)) {
    throw new Error(`${op}: padding ${JSON.stringify(padding)} must be non-negative integers`);
  }
  const outHeight = Math.floor((inH + pad.top + pad.bottom - effH) / strides[0]) + 1;
  const outWidth = Math.floor((inW + pad.left + pad.right - effW) / strides[1]) + 1;
  if (outHeight < 1 || outWidth < 1) {
    throw new Error(`${op}: a ${kh}×${kw} window (dilation ${dilations}) does not fit a ${inH}×${inW} input with padding ${JSON.stringify(padding)}`);
  }
  return { pad, outHeight, outWidth };
}
