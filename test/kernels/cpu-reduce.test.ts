import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ReduceOp } from '../../src/kernels/backend.js';
import { backend, DTYPES, expectClose, input, maxAbs, ravel, readOut, sizeOfShape, stored, sumTolerance, unravel, valuesArb } from './cpu-helpers.js';
import { propertyRuns } from '../../src/testing/runs.js';

/** A shape (size-1 dims included) and a sorted subset of its axes. */
const shapeAndAxes = fc
  .array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 4 })
  .chain((shape) =>
    fc.tuple(
      fc.constant(shape),
      fc.subarray(shape.map((_, i) => i)),
      valuesArb(sizeOfShape(shape), -3, 3),
    ),
  );

/** Straight from the definition: every input element is folded into the output cell it maps to. */
function reduceRef(op: ReduceOp, xs: number[], shape: number[], axes: number[]): number[] {
  const outShape = shape.filter((_, i) => !axes.includes(i));
  const out = new Array<number>(sizeOfShape(outShape)).fill(op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity);
  xs.forEach((v, i) => {
    const idx = unravel(i, shape).filter((_, d) => !axes.includes(d));
    const o = ravel(idx, outShape);
    out[o] = op === 'sum' ? out[o]! + v : op === 'max' ? Math.max(out[o]!, v) : Math.min(out[o]!, v);
  });
  return out;
}

describe('cpu reduce', () => {
  for (const dtype of DTYPES) {
    it(`sums, maxes and mins over any axes (${dtype})`, () => {
      fc.assert(
        fc.property(fc.constantFrom<ReduceOp>('sum', 'max', 'min'), shapeAndAxes, (op, [shape, axes, vals]) => {
          const x = input(vals, shape, dtype);
          const xs = stored(x);
          const outShape = shape.filter((_, i) => !axes.includes(i));
          const got = readOut(backend.reduce(op, x, axes), outShape, dtype);
          const want = reduceRef(op, xs, shape, axes);
          const length = axes.reduce((n, a) => n * shape[a]!, 1);
          if (op === 'sum') {
            expectClose(got, want, (i) => sumTolerance(dtype, length, maxAbs(xs), want[i]!), `sum ${axes}`);
          } else {
            // max and min pick an element: exact.
            expectClose(got, want, 0, `${op} ${axes}`);
          }
        }),
        { numRuns: propertyRuns(40) },
      );
    });
  }

  it('accumulates float32 sums in double precision', () => {
    // 2^24 + 1 + 1: a float32 accumulator loses each 1 (2^24 + 1 rounds back to 2^24), a double keeps both.
    const x = input([2 ** 24, 1, 1], [3], 'float32');
    expect(readOut(backend.reduce('sum', x, [0]), [], 'float32')[0]).toBe(2 ** 24 + 2);
    // (0.1 summed 1000 times, rounded once) versus float32 accumulation, which drifts.
    const y = input(new Float32Array(1000).fill(0.1), [1000], 'float32');
    const s = readOut(backend.reduce('sum', y, [0]), [], 'float32')[0]!;
    expect(s).toBe(Math.fround(1000 * Math.fround(0.1)));
  });

  it('reduces over an empty axis to the identity', () => {
    const x = input([], [2, 0, 3], 'float64');
    expect(Array.from(readOut(backend.reduce('sum', x, [1]), [2, 3], 'float64'))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(readOut(backend.reduce('max', x, [1]), [2, 3], 'float64'))).toEqual(new Array(6).fill(-Infinity));
  });

  it('propagates NaN through max and min', () => {
    const x = input([1, NaN, 3, 2, 5, 4], [2, 3], 'float64');
    const mx = readOut(backend.reduce('max', x, [1]), [2], 'float64');
    expect(Number.isNaN(mx[0])).toBe(true);
    expect(mx[1]).toBe(5);
  });
});
