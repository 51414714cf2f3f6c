/**
 * Kernel parameters for generated convolution and pooling cases, shared by the CPU and WebGPU
 * kernel suites: explicit padding [top, bottom, left, right], output size by the usual formula.
 */
import type { Conv2DParams, Pool2DParams } from '../../src/kernels/backend.js';

export type Pad4 = readonly [top: number, bottom: number, left: number, right: number];

/** Output length of a window of size k, stride s, dilation d over `size` cells padded before/after. */
export function windowOutSize(size: number, k: number, s: number, d: number, before: number, after: number): number {
  return Math.floor((size + before + after - (d * (k - 1) + 1)) / s) + 1;
}

export function convParamsOf(c: { H: number; W: number; kh: number; kw: number; sh: number; sw: number; dh: number; dw: number }, pad: Pad4): Conv2DParams {
  const [top, bottom, left, right] = pad;
  return {
    strides: [c.sh, c.sw],
    dilations: [c.dh, c.dw],
    pad: { top, bottom, left, right },
    outHeight: windowOutSize(c.H, c.kh, c.sh, c.dh, top, bottom),
    outWidth: windowOutSize(c.W, c.kw, c.sw, c.dw, left, right),
  };
}

export function poolParamsOf(c: { H: number; W: number; kh: number; kw: number; sh: number; sw: number }, pad: Pad4): Pool2DParams {
  const [top, bottom, left, right] = pad;
  return {
    window: [c.kh, c.kw],
    strides: [c.sh, c.sw],
    pad: { top, bottom, left, right },
    outHeight: windowOutSize(c.H, c.kh, c.sh, 1, top, bottom),
    outWidth: windowOutSize(c.W, c.kw, c.sw, 1, left, right),
  };
}

/** A convolution case of the kernel suites: input [N, H, W, Cin], HWIO filter [kh, kw, Cin, Cout]. */
export interface ConvCase {
  N: number;
  H: number;
  W: number;
  Cin: number;
  Cout: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  pad: Pad4;
}

export const convCaseParams = (c: ConvCase): Conv2DParams => convParamsOf(c, c.pad);

/** The input, filter and output shapes of a convolution case. */
export function convCaseShapes(c: ConvCase): { x: number[]; w: number[]; y: number[] } {
  const p = convCaseParams(c);
  return { x: [c.N, c.H, c.W, c.Cin], w: [c.kh, c.kw, c.Cin, c.Cout], y: [c.N, p.outHeight, p.outWidth, c.Cout] };
}

/** A pooling case of the kernel suites: input [N, H, W, C], window kh × kw. */
export interface PoolCase {
  N: number;
  H: number;
  W: number;
  C: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  pad: Pad4;
}

export const poolCaseParams = (c: PoolCase): Pool2DParams => poolParamsOf(c, c.pad);
