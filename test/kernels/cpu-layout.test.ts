import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backend, DTYPES, expectClose, input, ravel, readOut, sizeOfShape, stored, unravel, valuesArb } from './cpu-helpers.js';
import { propertyRuns } from '../../src/testing/runs.js';

const shapeArb = (maxRank = 4, maxDim = 5) => fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: 0, maxLength: maxRank });

/** A shape with its values: distinct values, so a misplaced element cannot go unnoticed. */
const withValues = (shape: number[]) => fc.tuple(fc.constant(shape), valuesArb(sizeOfShape(shape)).map((v) => v.map((x, i) => x + 10 * i)));

describe('cpu layout kernels', () => {
  for (const dtype of DTYPES) {
    it(`transpose moves x[idx] to out[perm-permuted idx] (${dtype})`, () => {
      fc.assert(
        fc.property(
          shapeArb().chain((s) => fc.tuple(withValues(s), fc.shuffledSubarray(s.map((_, i) => i), { minLength: s.length, maxLength: s.length }))),
          ([[shape, vals], perm]) => {
            const x = input(vals, shape, dtype);
            const xs = stored(x);
            const outShape = perm.map((p) => shape[p]!);
            const got = readOut(backend.transpose(x, perm), outShape, dtype);
            const want = Array.from({ length: xs.length }, (_, i) => {
              const o = unravel(i, outShape);
              const idx = new Array<number>(shape.length);
              perm.forEach((p, k) => (idx[p] = o[k]!));
              return xs[ravel(idx, shape)]!;
            });
            expectClose(got, want, 0, `transpose [${shape}] by [${perm}]`);
          },
        ),
        { numRuns: propertyRuns(30) },
      );
    });

    it(`slice copies the box begin..begin+size (${dtype})`, () => {
      fc.assert(
        fc.property(
          shapeArb().chain((s) =>
            fc.tuple(
              withValues(s),
              fc.tuple(...s.map((d) => fc.integer({ min: 0, max: d }).chain((b) => fc.tuple(fc.constant(b), fc.integer({ min: 0, max: d - b }))))),
            ),
          ),
          ([[shape, vals], box]) => {
            const begin = box.map(([b]) => b);
            const size = box.map(([, n]) => n);
            const x = input(vals, shape, dtype);
            const xs = stored(x);
            const got = readOut(backend.slice(x, begin, size), size, dtype);
            const want = Array.from({ length: sizeOfShape(size) }, (_, i) => xs[ravel(unravel(i, size).map((v, d) => v + begin[d]!), shape)]!);
            expectClose(got, want, 0, `slice [${shape}] at [${begin}] size [${size}]`);
          },
        ),
        { numRuns: propertyRuns(30) },
      );
    });

    it(`pad surrounds x with a constant (${dtype})`, () => {
      fc.assert(
        fc.property(
          shapeArb(3).chain((s) =>
            fc.tuple(withValues(s), fc.tuple(...s.map(() => fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })))), fc.constantFrom(0, -1.5)),
          ),
          ([[shape, vals], paddings, value]) => {
            const x = input(vals, shape, dtype);
            const xs = stored(x);
            const outShape = shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
            const got = readOut(backend.pad(x, paddings, value), outShape, dtype);
            const want = Array.from({ length: sizeOfShape(outShape) }, (_, i) => {
              const idx = unravel(i, outShape).map((v, d) => v - paddings[d]![0]);
              return idx.every((v, d) => v >= 0 && v < shape[d]!) ? xs[ravel(idx, shape)]! : value;
            });
            expectClose(got, want, 0, `pad [${shape}] by ${JSON.stringify(paddings)}`);
          },
        ),
        { numRuns: propertyRuns(30) },
      );
    });

    it(`concat joins along an axis (${dtype})`, () => {
      fc.assert(
        fc.property(
          shapeArb(4).filter((s) => s.length > 0).chain((s) =>
            fc.integer({ min: 0, max: s.length - 1 }).chain((axis) =>
              fc.tuple(
                fc.constant(axis),
                fc.array(
                  fc.integer({ min: 0, max: 3 }).chain((d) => withValues(s.map((v, i) => (i === axis ? d : v)))),
                  { minLength: 1, maxLength: 4 },
                ),
              ),
            ),
          ),
          ([axis, parts]) => {
            const xs = parts.map(([shape, vals]) => input(vals, shape, dtype));
            const outShape = [...parts[0]![0]];
            outShape[axis] = parts.reduce((n, [s]) => n + s[axis]!, 0);
            const got = readOut(backend.concat(xs, axis), outShape, dtype);
            const want = Array.from({ length: sizeOfShape(outShape) }, (_, i) => {
              const idx = unravel(i, outShape);
              let a = idx[axis]!;
              for (let k = 0; k < parts.length; k++) {
                const d = parts[k]![0][axis]!;
                if (a < d) {
                  idx[axis] = a;
                  return stored(xs[k]!)[ravel(idx, parts[k]![0])]!;
                }
                a -= d;
              }
              throw new Error('unreachable');
            });
            expectClose(got, want, 0, `concat axis ${axis}`);
          },
        ),
        { numRuns: propertyRuns(25) },
      );
    });

    it(`broadcastTo repeats size-1 axes (${dtype})`, () => {
      fc.assert(
        fc.property(
          shapeArb().chain((out) => fc.tuple(fc.constant(out), fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }))).chain(([out, ones]) => {
            const s = out.map((d, i) => (ones[i] ? 1 : d));
            return fc.tuple(fc.constant(out), withValues(s));
          }),
          ([outShape, [shape, vals]]) => {
            const x = input(vals, shape, dtype);
            const xs = stored(x);
            const got = readOut(backend.broadcastTo(x, outShape), outShape, dtype);
            const want = Array.from({ length: sizeOfShape(outShape) }, (_, i) =>
              xs[ravel(unravel(i, outShape).map((v, d) => (shape[d] === 1 ? 0 : v)), shape)]!,
            );
            expectClose(got, want, 0, `broadcastTo [${shape}] -> [${outShape}]`);
          },
        ),
        { numRuns: propertyRuns(30) },
      );
    });
  }

  it('rejects a perm that is not a permutation, naming the kernel', () => {
    const x = input([1, 2, 3, 4], [2, 2], 'float64');
    expect(() => backend.transpose(x, [0, 0])).toThrow(/cpu\.transpose.*not a permutation/);
  });
});
