/**
 * Generated convolution and pooling cases and their kernel parameters, shared by the CPU and
 * WebGPU kernel suites: explicit padding [top, bottom, left, right], output size by the usual
 * formula. Each suite picks its own ranges (the CPU suites small sizes, the WebGPU suites channel
 * counts that steer kernel variants).
 */
import fc from 'fast-check';
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

/** A 3×3, stride-1, 'same' convolution case (VGG's), with a seed for its values. */
export function sameConv3x3(N: number, H: number, W: number, Cin: number, Cout: number, seed: number): ConvCase & { seed: number } {
  return { N, H, W, Cin, Cout, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pad: [1, 1, 1, 1], seed };
}

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

/** The ranges a suite draws convolution cases from; kernels, dilations and padding are common. */
export interface ConvCaseRanges {
  maxN: number;
  maxHW: number;
  Cin: fc.Arbitrary<number>;
  Cout: fc.Arbitrary<number>;
  /** Largest stride along height and width. */
  maxStride: readonly [number, number];
}

/**
 * Convolutions with kernels up to 3×3, dilations up to 2 and padding up to 2 on each side, keeping
 * only those with a non-empty output.
 */
export function convCaseArb(r: ConvCaseRanges): fc.Arbitrary<ConvCase> {
  return fc
    .record({
      N: fc.integer({ min: 1, max: r.maxN }),
      H: fc.integer({ min: 1, max: r.maxHW }),
      W: fc.integer({ min: 1, max: r.maxHW }),
      Cin: r.Cin,
      Cout: r.Cout,
      kh: fc.integer({ min: 1, max: 3 }),
      kw: fc.integer({ min: 1, max: 3 }),
      sh: fc.integer({ min: 1, max: r.maxStride[0] }),
      sw: fc.integer({ min: 1, max: r.maxStride[1] }),
      dh: fc.integer({ min: 1, max: 2 }),
      dw: fc.integer({ min: 1, max: 2 }),
      pad: fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)),
    })
    .filter((c) => convCaseParams(c).outHeight >= 1 && convCaseParams(c).outWidth >= 1);
}

/**
 * Pooling windows up to 3×3, strides up to 3, padding below the window size on each side (as
 * 'same' gives), so that every window holds an in-bounds cell.
 */
export function poolCaseArb(r: { maxHW: number; C: fc.Arbitrary<number> }): fc.Arbitrary<PoolCase> {
  return fc
    .record({
      N: fc.integer({ min: 1, max: 2 }),
      H: fc.integer({ min: 1, max: r.maxHW }),
      W: fc.integer({ min: 1, max: r.maxHW }),
      C: r.C,
      kh: fc.integer({ min: 1, max: 3 }),
      kw: fc.integer({ min: 1, max: 3 }),
      sh: fc.integer({ min: 1, max: 3 }),
      sw: fc.integer({ min: 1, max: 3 }),
      pads: fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)),
    })
    .map(({ pads: [t, b, l, rt], ...c }): PoolCase => ({
      ...c,
      pad: [Math.min(t, c.kh - 1), Math.min(b, c.kh - 1), Math.min(l, c.kw - 1), Math.min(rt, c.kw - 1)],
    }))
    .filter((c) => poolCaseParams(c).outHeight >= 1 && poolCaseParams(c).outWidth >= 1);
}

/** A case with a seed for its values, as the WebGPU suites draw them. */
export function withSeed<T extends object>(arb: fc.Arbitrary<T>): fc.Arbitrary<T & { seed: number }> {
  return fc.tuple(arb, fc.integer({ min: 1, max: 2 ** 31 - 1 })).map(([c, seed]) => ({ ...c, seed }));
}
