import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Conv2DParams } from '../../src/kernels/backend.js';
import type { DType } from '../../src/tensor/dtype.js';
import { convCaseArb, convCaseParams, convCaseShapes, type ConvCase } from '../helpers/window-params.js';
import { backend, dot, DTYPES, expectClose, input, maxAbs, readOut, stored, sumTolerance, valuesArb } from './cpu-helpers.js';
import { propertyRuns } from '../../src/testing/runs.js';

const params = convCaseParams;

/** Channel counts around the 4-wide blocks, strides, dilations and paddings up to and past the kernel. */
const caseArb = convCaseArb({ maxN: 2, maxHW: 7, Cin: fc.integer({ min: 1, max: 6 }), Cout: fc.integer({ min: 1, max: 9 }), maxStride: [3, 3] });

const shapes = convCaseShapes;

/**
 * Visits every (output element, filter tap, input channel) triple whose input position is inside
 * the image, with the flat indices of x, w and y: the convolution sum, term by term, straight
 * from its definition. The three references below are this walk with a different accumulation.
 */
function forEachTerm(c: ConvCase, visit: (xi: number, wi: number, yi: number) => void): void {
  const p = params(c);
  for (let n = 0; n < c.N; n++)
    for (let oh = 0; oh < p.outHeight; oh++)
      for (let ow = 0; ow < p.outWidth; ow++)
        for (let co = 0; co < c.Cout; co++)
          for (let i = 0; i < c.kh; i++)
            for (let j = 0; j < c.kw; j++) {
              const ih = oh * c.sh + i * c.dh - c.pad[0];
              const iw = ow * c.sw + j * c.dw - c.pad[2];
              if (ih < 0 || ih >= c.H || iw < 0 || iw >= c.W) continue;
              for (let ci = 0; ci < c.Cin; ci++) {
                visit(
                  ((n * c.H + ih) * c.W + iw) * c.Cin + ci,
                  ((i * c.kw + j) * c.Cin + ci) * c.Cout + co,
                  ((n * p.outHeight + oh) * p.outWidth + ow) * c.Cout + co,
                );
              }
            }
}

function convRef(c: ConvCase, x: number[], w: number[], bias: number[] | null, relu: boolean): number[] {
  const y = new Array<number>(shapes(c).y.reduce((a, b) => a * b)).fill(0);
  forEachTerm(c, (xi, wi, yi) => (y[yi]! += x[xi]! * w[wi]!));
  return y.map((v, i) => {
    const b = bias ? v + bias[i % c.Cout]! : v;
    return relu ? Math.max(b, 0) : b;
  });
}

/** dL/dx[xi] = Σ of dy[yi]·w[wi] over the terms that x[xi] appears in. */
function inputGradRef(c: ConvCase, dy: number[], w: number[]): number[] {
  const dx = new Array<number>(c.N * c.H * c.W * c.Cin).fill(0);
  forEachTerm(c, (xi, wi, yi) => (dx[xi]! += dy[yi]! * w[wi]!));
  return dx;
}

function filterGradRef(c: ConvCase, x: number[], dy: number[]): number[] {
  const dw = new Array<number>(c.kh * c.kw * c.Cin * c.Cout).fill(0);
  forEachTerm(c, (xi, wi, yi) => (dw[wi]! += x[xi]! * dy[yi]!));
  return dw;
}

/** The tolerance for a result: a sum of at most `terms` products bounded by `scale`. */
const tol = (dtype: DType, terms: number, scale: number, ref: number[]) => (i: number) => sumTolerance(dtype, terms, scale, ref[i]!);

const withValues = (c: ConvCase) => {
  const s = shapes(c);
  const n = (shape: number[]) => shape.reduce((a, b) => a * b);
  return fc.tuple(
    fc.constant(c),
    valuesArb(n(s.x)),
    valuesArb(n(s.w)),
    valuesArb(n(s.y)),
    fc.option(valuesArb(c.Cout), { nil: null }),
    fc.boolean(),
  );
};

describe('cpu conv2d', () => {
  for (const dtype of DTYPES) {
    it(`forward matches the definition, with bias and fused relu (${dtype})`, () => {
      fc.assert(
        fc.property(caseArb.chain(withValues), ([c, xv, wv, , bv, relu]) => {
          const s = shapes(c);
          const x = input(xv, s.x, dtype);
          const w = input(wv, s.w, dtype);
          const b = bv ? input(bv, [c.Cout], dtype) : null;
          const got = readOut(backend.conv2d(x, w, b, params(c), relu), s.y, dtype);
          const want = convRef(c, stored(x), stored(w), b ? stored(b) : null, relu);
          const scale = Math.max(maxAbs(stored(x)) * maxAbs(stored(w)), b ? maxAbs(stored(b)) : 0);
          expectClose(got, want, tol(dtype, c.kh * c.kw * c.Cin + 1, scale, want), JSON.stringify(c));
        }),
        { numRuns: propertyRuns(30) },
      );
    });

    it(`input gradient matches the chain rule term by term (${dtype})`, () => {
      fc.assert(
        fc.property(caseArb.chain(withValues), ([c, , wv, dyv]) => {
          const s = shapes(c);
          const w = input(wv, s.w, dtype);
          const dy = input(dyv, s.y, dtype);
          const got = readOut(backend.conv2dBackpropInput(dy, w, s.x, params(c)), s.x, dtype);
          const want = inputGradRef(c, stored(dy), stored(w));
          const scale = maxAbs(stored(dy)) * maxAbs(stored(w));
          expectClose(got, want, tol(dtype, c.kh * c.kw * c.Cout, scale, want), JSON.stringify(c));
        }),
        { numRuns: propertyRuns(30) },
      );
    });

    it(`filter gradient matches the chain rule term by term (${dtype})`, () => {
      fc.assert(
        fc.property(caseArb.chain(withValues), ([c, xv, , dyv]) => {
          const s = shapes(c);
          const x = input(xv, s.x, dtype);
          const dy = input(dyv, s.y, dtype);
          const got = readOut(backend.conv2dBackpropFilter(x, dy, s.w, params(c)), s.w, dtype);
          const want = filterGradRef(c, stored(x), stored(dy));
          const scale = maxAbs(stored(x)) * maxAbs(stored(dy));
          expectClose(got, want, tol(dtype, s.y[0]! * s.y[1]! * s.y[2]!, scale, want), JSON.stringify(c));
        }),
        { numRuns: propertyRuns(30) },
      );
    });
  }

  it('the gradients are adjoints: <conv(x, w), dy> = <x, dx(dy, w)> = <w, dw(x, dy)> (float64)', () => {
    fc.assert(
      fc.property(caseArb.chain(withValues), ([c, xv, wv, dyv]) => {
        const s = shapes(c);
        const p = params(c);
        const x = input(xv, s.x, 'float64');
        const w = input(wv, s.w, 'float64');
        const dy = input(dyv, s.y, 'float64');
        const y = readOut(backend.conv2d(x, w, null, p, false), s.y, 'float64');
        const dx = readOut(backend.conv2dBackpropInput(dy, w, s.x, p), s.x, 'float64');
        const dw = readOut(backend.conv2dBackpropFilter(x, dy, s.w, p), s.w, 'float64');
        const lhs = dot(y, dyv);
        // Every side is the same sum of x·w·dy triple products in another order.
        const bound = 1e-12 * (1 + maxAbs(xv) * maxAbs(wv) * maxAbs(dyv) * xv.length * c.kh * c.kw * c.Cout);
        expect(Math.abs(lhs - dot(xv, dx))).toBeLessThanOrEqual(bound);
        expect(Math.abs(lhs - dot(wv, dw))).toBeLessThanOrEqual(bound);
      }),
      { numRuns: propertyRuns(30) },
    );
  });

  it('handles shapes past the block sizes: several pixel chunks in the filter gradient, odd channel counts', () => {
    // 1150 output pixels and Cout = 70 make the filter gradient work in two chunks of pixels
    // (the chunk is sized by Cout); 3 input channels, odd, keep the term-by-term references cheap.
    const c: ConvCase = { N: 2, H: 23, W: 25, Cin: 3, Cout: 70, kh: 2, kw: 2, sh: 1, sw: 1, dh: 1, dw: 1, pad: [1, 0, 1, 0] };
    const s = shapes(c);
    const gen = (n: number, f: number) => Array.from({ length: n }, (_, i) => Math.sin(f * i + 0.3));
    const xv = gen(s.x.reduce((a, b) => a * b), 0.37);
    const wv = gen(s.w.reduce((a, b) => a * b), 0.11);
    const dyv = gen(s.y.reduce((a, b) => a * b), 0.23);
    const p = params(c);
    const [x, w, dy] = [input(xv, s.x, 'float64'), input(wv, s.w, 'float64'), input(dyv, s.y, 'float64')];
    const y = convRef(c, xv, wv, null, false);
    expectClose(readOut(backend.conv2d(x, w, null, p, false), s.y, 'float64'), y, 1e-12, 'forward');
    expectClose(readOut(backend.conv2dBackpropInput(dy, w, s.x, p), s.x, 'float64'), inputGradRef(c, dyv, wv), 1e-12, 'dx');
    expectClose(readOut(backend.conv2dBackpropFilter(x, dy, s.w, p), s.w, 'float64'), filterGradRef(c, xv, dyv), 1e-10, 'dw');
  });

  it('rejects a filter whose input channels differ from the input, and an inconsistent output size', () => {
    const x = input(new Array(2 * 2 * 3).fill(1), [1, 2, 2, 3], 'float64');
    const w = input(new Array(4 * 4).fill(1), [1, 1, 4, 4], 'float64');
    const p: Conv2DParams = { strides: [1, 1], dilations: [1, 1], pad: { top: 0, bottom: 0, left: 0, right: 0 }, outHeight: 2, outWidth: 2 };
    expect(() => backend.conv2d(x, w, null, p, false)).toThrow(/cpu\.conv2d: filter \[1, 1, 4, 4\] expects 4 input channels, input \[1, 2, 2, 3\] has 3/);
    const w3 = input(new Array(3 * 4).fill(1), [1, 1, 3, 4], 'float64');
    expect(() => backend.conv2d(x, w3, null, { ...p, outHeight: 3 }, false)).toThrow(/cpu\.conv2d: output 3×2 does not match/);
  });
});
