import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backend, dot, DTYPES, expectClose, input, readOut, stored, valuesArb } from './cpu-helpers.js';
import { propertyRuns } from '../../src/testing/runs.js';

interface ResizeCase {
  N: number;
  H: number;
  W: number;
  C: number;
  outH: number;
  outW: number;
}

/** Up- and downsampling, including sizes of 1 on either side. */
const caseArb: fc.Arbitrary<ResizeCase> = fc.record({
  N: fc.integer({ min: 1, max: 2 }),
  H: fc.integer({ min: 1, max: 6 }),
  W: fc.integer({ min: 1, max: 6 }),
  C: fc.integer({ min: 1, max: 3 }),
  outH: fc.integer({ min: 1, max: 9 }),
  outW: fc.integer({ min: 1, max: 9 }),
});

const size = (s: number[]) => s.reduce((a, b) => a * b);
const xShape = (c: ResizeCase) => [c.N, c.H, c.W, c.C];
const yShape = (c: ResizeCase) => [c.N, c.outH, c.outW, c.C];

/** The two source indices and their weights for output index d (half-pixel centres). */
function taps(d: number, inSize: number, outSize: number): [number, number, number, number] {
  let s = (d + 0.5) * (inSize / outSize) - 0.5;
  if (s < 0) s = 0;
  const lo = Math.floor(s);
  const hi = Math.min(lo + 1, inSize - 1);
  return [lo, hi, 1 - (s - lo), s - lo];
}

/** Calls visit(yIndex, xIndex, weight) for the four (index, weight) pairs of every output element. */
function forEachWeight(c: ResizeCase, visit: (yi: number, xi: number, weight: number) => void): void {
  let yi = 0;
  for (let n = 0; n < c.N; n++)
    for (let oy = 0; oy < c.outH; oy++)
      for (let ox = 0; ox < c.outW; ox++)
        for (let ch = 0; ch < c.C; ch++, yi++) {
          const [y0, y1, wy0, wy1] = taps(oy, c.H, c.outH);
          const [x0, x1, wx0, wx1] = taps(ox, c.W, c.outW);
          const at = (h: number, w: number) => ((n * c.H + h) * c.W + w) * c.C + ch;
          visit(yi, at(y0, x0), wy0 * wx0);
          visit(yi, at(y0, x1), wy0 * wx1);
          visit(yi, at(y1, x0), wy1 * wx0);
          visit(yi, at(y1, x1), wy1 * wx1);
        }
}

function resizeRef(c: ResizeCase, x: number[]): number[] {
  const y = new Array<number>(size(yShape(c))).fill(0);
  forEachWeight(c, (yi, xi, w) => (y[yi]! += w * x[xi]!));
  return y;
}

function resizeBackwardRef(c: ResizeCase, dy: number[]): number[] {
  const dx = new Array<number>(size(xShape(c))).fill(0);
  forEachWeight(c, (yi, xi, w) => (dx[xi]! += w * dy[yi]!));
  return dx;
}

const withValues = (c: ResizeCase) => fc.tuple(fc.constant(c), valuesArb(size(xShape(c))), valuesArb(size(yShape(c))));

describe('cpu resizeBilinear', () => {
  for (const dtype of DTYPES) {
    it(`interpolates at half-pixel centres, forward and backward (${dtype})`, () => {
      fc.assert(
        fc.property(caseArb.chain(withValues), ([c, xv, dyv]) => {
          const x = input(xv, xShape(c), dtype);
          const dy = input(dyv, yShape(c), dtype);
          const tol = dtype === 'float64' ? 1e-13 : 1e-5;
          expectClose(readOut(backend.resizeBilinear(x, c.outH, c.outW), yShape(c), dtype), resizeRef(c, stored(x)), tol, 'forward');
          expectClose(
            readOut(backend.resizeBilinearBackward(dy, xShape(c)), xShape(c), dtype),
            resizeBackwardRef(c, stored(dy)),
            tol * (1 + Math.ceil(c.outH / c.H) * Math.ceil(c.outW / c.W)),
            'backward',
          );
        }),
        { numRuns: propertyRuns(40) },
      );
    });
  }

  it('the backward pass is the adjoint: <resize(x), dy> = <x, backward(dy)>', () => {
    fc.assert(
      fc.property(caseArb.chain(withValues), ([c, xv, dyv]) => {
        const y = readOut(backend.resizeBilinear(input(xv, xShape(c), 'float64'), c.outH, c.outW), yShape(c), 'float64');
        const dx = readOut(backend.resizeBilinearBackward(input(dyv, yShape(c), 'float64'), xShape(c)), xShape(c), 'float64');
        expect(Math.abs(dot(y, dyv) - dot(xv, dx))).toBeLessThan(1e-12 * (1 + dyv.length));
      }),
      { numRuns: propertyRuns(30) },
    );
  });

  it('agrees with hand-computed half-pixel values (align_corners = false)', () => {
    // Upsampling [1, 2] to 4 samples the input at -0.25 (clamped to 0), 0.25, 0.75 and 1.25 (clamped to the edge).
    const up = readOut(backend.resizeBilinear(input([1, 2], [1, 1, 2, 1], 'float64'), 1, 4), [1, 1, 4, 1], 'float64');
    expect(Array.from(up)).toEqual([1, 1.25, 1.75, 2]);
    // Downsampling [0, 10, 20, 30] to 2 samples at 0.5 and 2.5.
    const down = readOut(backend.resizeBilinear(input([0, 10, 20, 30], [1, 4, 1, 1], 'float64'), 2, 1), [1, 2, 1, 1], 'float64');
    expect(Array.from(down)).toEqual([5, 25]);
  });
});
