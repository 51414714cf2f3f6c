import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Pool2DParams } from '../../src/kernels/backend.js';
import { poolCaseArb, poolCaseParams, type PoolCase } from '../helpers/window-params.js';
import { backend, dot, DTYPES, expectClose, input, readOut, stored, valuesArb } from './cpu-helpers.js';
import { propertyRuns } from '../../src/testing/runs.js';

const params = poolCaseParams;

const caseArb = poolCaseArb({ maxHW: 7, C: fc.integer({ min: 1, max: 5 }) });

const xShape = (c: PoolCase) => [c.N, c.H, c.W, c.C];
const yShape = (c: PoolCase) => [c.N, params(c).outHeight, params(c).outWidth, c.C];
const size = (s: number[]) => s.reduce((a, b) => a * b);

/** The flat indices of window (n, oh, ow)'s in-bounds cells for channel ch, in row-major window order. */
function windowCells(c: PoolCase, n: number, oh: number, ow: number, ch: number): number[] {
  const cells: number[] = [];
  for (let i = 0; i < c.kh; i++) {
    for (let j = 0; j < c.kw; j++) {
      const h = oh * c.sh + i - c.pad[0];
      const w = ow * c.sw + j - c.pad[2];
      if (h >= 0 && h < c.H && w >= 0 && w < c.W) cells.push(((n * c.H + h) * c.W + w) * c.C + ch);
    }
  }
  return cells;
}

/** Calls visit(yIndex, cells) for every output element. */
function forEachWindow(c: PoolCase, visit: (yi: number, cells: number[]) => void): void {
  const p = params(c);
  let yi = 0;
  for (let n = 0; n < c.N; n++)
    for (let oh = 0; oh < p.outHeight; oh++)
      for (let ow = 0; ow < p.outWidth; ow++)
        for (let ch = 0; ch < c.C; ch++) visit(yi++, windowCells(c, n, oh, ow, ch));
}

function maxRef(c: PoolCase, x: number[]): number[] {
  const y: number[] = [];
  forEachWindow(c, (_, cells) => y.push(Math.max(...cells.map((i) => x[i]!))));
  return y;
}

/** dy goes to the first cell (row-major) holding the window's maximum. */
function maxBackwardRef(c: PoolCase, x: number[], dy: number[]): number[] {
  const dx = new Array<number>(x.length).fill(0);
  forEachWindow(c, (yi, cells) => {
    const m = Math.max(...cells.map((i) => x[i]!));
    const first = cells.find((i) => x[i] === m)!;
    dx[first]! += dy[yi]!;
  });
  return dx;
}

function avgRef(c: PoolCase, x: number[]): number[] {
  const y: number[] = [];
  forEachWindow(c, (_, cells) => y.push(cells.reduce((s, i) => s + x[i]!, 0) / cells.length));
  return y;
}

function avgBackwardRef(c: PoolCase, dy: number[]): number[] {
  const dx = new Array<number>(size(xShape(c))).fill(0);
  forEachWindow(c, (yi, cells) => cells.forEach((i) => (dx[i]! += dy[yi]! / cells.length)));
  return dx;
}

const withValues = (c: PoolCase) => fc.tuple(fc.constant(c), valuesArb(size(xShape(c))), valuesArb(size(yShape(c))));
/** Values from a set of three, so windows often hold tied maxima. */
const withTies = (c: PoolCase) =>
  fc.tuple(
    fc.constant(c),
    fc.array(fc.constantFrom(-1, 0, 2), { minLength: size(xShape(c)), maxLength: size(xShape(c)) }),
    valuesArb(size(yShape(c))),
  );

describe('cpu pooling', () => {
  for (const dtype of DTYPES) {
    it(`maxPool2d takes the max over in-bounds cells (${dtype})`, () => {
      fc.assert(
        fc.property(caseArb.chain(withValues), ([c, xv]) => {
          const x = input(xv, xShape(c), dtype);
          const got = readOut(backend.maxPool2d(x, params(c)), yShape(c), dtype);
          expectClose(got, maxRef(c, stored(x)), 0, JSON.stringify(c));
        }),
        { numRuns: propertyRuns(30) },
      );
    });

    it(`maxPool2dBackward routes dy to the first maximal cell, ties included (${dtype})`, () => {
      fc.assert(
        fc.property(caseArb.chain(withTies), ([c, xv, dyv]) => {
          const x = input(xv, xShape(c), dtype);
          const dy = input(dyv, yShape(c), dtype);
          const got = readOut(backend.maxPool2dBackward(x, dy, params(c)), xShape(c), dtype);
          const want = maxBackwardRef(c, stored(x), stored(dy));
          // A cell can receive from up to kh·kw overlapping windows.
          expectClose(got, want, dtype === 'float64' ? 1e-14 : 1e-6, JSON.stringify(c));
        }),
        { numRuns: propertyRuns(30) },
      );
    });

    it(`avgPool2d averages over in-bounds cells only, and its gradient matches (${dtype})`, () => {
      fc.assert(
        fc.property(caseArb.chain(withValues), ([c, xv, dyv]) => {
          const x = input(xv, xShape(c), dtype);
          const dy = input(dyv, yShape(c), dtype);
          const tol = dtype === 'float64' ? 1e-14 : 2e-6;
          expectClose(readOut(backend.avgPool2d(x, params(c)), yShape(c), dtype), avgRef(c, stored(x)), tol, 'avg');
          expectClose(readOut(backend.avgPool2dBackward(dy, xShape(c), params(c)), xShape(c), dtype), avgBackwardRef(c, stored(dy)), tol, 'avg grad');
        }),
        { numRuns: propertyRuns(30) },
      );
    });
  }

  it('maxPool2dBackward is the derivative of maxPool2d: <(pool(x + εv) − pool(x))/ε, dy> = <v, backward(x, dy)>', () => {
    fc.assert(
      fc.property(
        caseArb.chain((c) => fc.tuple(withValues(c), fc.shuffledSubarray([...Array(size(xShape(c))).keys()], { minLength: size(xShape(c)), maxLength: size(xShape(c)) }))),
        ([[c, vv, dyv], perm]) => {
          // Distinct values spaced 1 apart: a perturbation below 1/2 cannot change any argmax.
          const xv = perm.map((k) => k * 1.0);
          const eps = 2 ** -10;
          const p = params(c);
          const y0 = readOut(backend.maxPool2d(input(xv, xShape(c), 'float64'), p), yShape(c), 'float64');
          const y1 = readOut(backend.maxPool2d(input(xv.map((v, i) => v + eps * vv[i]!), xShape(c), 'float64'), p), yShape(c), 'float64');
          const directional = Array.from(y1, (v, i) => (v - y0[i]!) / eps);
          const dx = readOut(backend.maxPool2dBackward(input(xv, xShape(c), 'float64'), input(dyv, yShape(c), 'float64'), p), xShape(c), 'float64');
          expect(Math.abs(dot(directional, dyv) - dot(vv, dx))).toBeLessThan(1e-9 * (1 + size(yShape(c))));
        },
      ),
      { numRuns: propertyRuns(25) },
    );
  });

  it('avgPool2dBackward is the adjoint of avgPool2d: <avg(x), dy> = <x, backward(dy)>', () => {
    fc.assert(
      fc.property(caseArb.chain(withValues), ([c, xv, dyv]) => {
        const p = params(c);
        const y = readOut(backend.avgPool2d(input(xv, xShape(c), 'float64'), p), yShape(c), 'float64');
        const dx = readOut(backend.avgPool2dBackward(input(dyv, yShape(c), 'float64'), xShape(c), p), xShape(c), 'float64');
        expect(Math.abs(dot(y, dyv) - dot(xv, dx))).toBeLessThan(1e-12 * (1 + xv.length));
      }),
      { numRuns: propertyRuns(25) },
    );
  });

  it('excludes padding from the average (a 2×2 window over a padded corner divides by 1)', () => {
    const x = input([4, 8, 12, 16], [1, 2, 2, 1], 'float64');
    const p: Pool2DParams = { window: [2, 2], strides: [1, 1], pad: { top: 1, bottom: 0, left: 1, right: 0 }, outHeight: 2, outWidth: 2 };
    expect(Array.from(readOut(backend.avgPool2d(x, p), [1, 2, 2, 1], 'float64'))).toEqual([4, 6, 8, 10]);
    const neg = input([-4, -8, -12, -16], [1, 2, 2, 1], 'float64');
    // Padded cells never win a max, even against negative values.
    expect(Array.from(readOut(backend.maxPool2d(neg, p), [1, 2, 2, 1], 'float64'))).toEqual([-4, -4, -4, -4]);
  });
});
