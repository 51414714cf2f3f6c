/** Sizes of a 2-D convolution, checked once for the three convolution kernels. */
import type { Conv2DParams } from '../../backend.js';
import type { Shape } from '../../../tensor/shape.js';

export interface ConvGeometry {
  batch: number;
  H: number;
  W: number;
  Cin: number;
  KH: number;
  KW: number;
  OH: number;
  OW: number;
  Cout: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  pt: number;
  pl: number;
}

export function convGeometry(label: string, xShape: Shape, filterShape: Shape, p: Conv2DParams): ConvGeometry {
  if (xShape.length !== 4 || filterShape.length !== 4) {
    throw new Error(`${label}: expected an NHWC input and an HWIO filter`);
  }
  const [batch, H, W, Cin] = xShape as [number, number, number, number];
  const [KH, KW, fc, Cout] = filterShape as [number, number, number, number];
  if (fc !== Cin) throw new Error(`${label}: the filter expects ${fc} input channels, the input has ${Cin}`);
  const [sh, sw] = p.strides;
  const [dh, dw] = p.dilations;
  const { top, bottom, left, right } = p.pad;
  for (const [n, v] of [['stride', sh], ['stride', sw], ['dilation', dh], ['dilation', dw]] as const) {
    if (!(Number.isInteger(v) && v >= 1)) throw new Error(`${label}: ${n}s must be positive integers`);
  }
  if ([top, bottom, left, right].some((v) => !(Number.isInteger(v) && v >= 0))) throw new Error(`${label}: padding must be non-negative integers`);
  const wantH = Math.max(0, Math.floor((H + top + bottom - ((KH - 1) * dh + 1)) / sh) + 1);
  const wantW = Math.max(0, Math.floor((W + left + right - ((KW - 1) * dw + 1)) / sw) + 1);
  if (p.outHeight !== wantH || p.outWidth !== wantW) {
    throw new Error(`${label}: output ${p.outHeight}×${p.outWidth} does not match these parameters (expected ${wantH}×${wantW})`);
  }
  return { batch, H, W, Cin, KH, KW, OH: p.outHeight, OW: p.outWidth, Cout, sh, sw, dh, dw, pt: top, pl: left };
}

/** The geometry as kernel parameters (all u32 but the paddings, which are subtracted as i32). */
export function geometryParams(g: ConvGeometry): [string, number, ('u32' | 'i32')?][] {
  return [
    ['H', g.H],
    ['W', g.W],
    ['Cin', g.Cin],
    ['KH', g.KH],
    ['KW', g.KW],
    ['OH', g.OH],
    ['OW', g.OW],
    ['Cout', g.Cout],
    ['sh', g.sh],
    ['sw', g.sw],
    ['dh', g.dh],
    ['dw', g.dw],
    ['pt', g.pt, 'i32'],
    ['pl', g.pl, 'i32'],
  ];
}

/** A count of row blocks as (y, z) grid dimensions within the per-dimension limit. */
export function rowGrid(blocks: number, maxDim: number): [number, number] {
  if (blocks <= maxDim) return [blocks, 1];
  const z = Math.ceil(blocks / maxDim);
  return [Math.ceil(blocks / z), z];
}

export const fmtShape = (s: Shape): string => `[${s.join(',')}]`;
