import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BinaryOp, UnaryOp } from '../../src/kernels/backend.js';
import type { Shape } from '../../src/tensor/shape.js';
import { backend, DTYPES, expectClose, input, readOut, ravel, sizeOfShape, stored, unravel, valuesArb } from './cpu-helpers.js';
import { propertyRuns } from '../../src/testing/runs.js';

const UNARY_REF: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  abs: Math.abs,
  relu: (x) => (x > 0 ? x : 0),
  step: (x) => (x > 0 ? 1 : 0),
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
};

const BINARY_REF: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => Math.pow(a, b),
  maximum: (a, b) => (a > b ? a : b),
  minimum: (a, b) => (a < b ? a : b),
  greater: (a, b) => (a > b ? 1 : 0),
  greaterEqual: (a, b) => (a >= b ? 1 : 0),
  equal: (a, b) => (a === b ? 1 : 0),
};

/** An output shape and two operand shapes that broadcast to it (trailing-aligned, 1s and dropped axes). */
const broadcastShapesArb = (operands: number) =>
  fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 4 }).chain((out) =>
    fc
      .tuple(
        ...Array.from({ length: operands }, () =>
          fc.tuple(
            fc.integer({ min: 0, max: out.length }),
            fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
          ),
        ),
      )
      .map((specs) => ({
        out,
        operands: specs.map(([drop, ones]) => out.slice(drop).map((d, i) => (ones[drop + i] ? 1 : d))),
      })),
  );

/** Reads `shape` at the broadcast position of output multi-index `idx`. */
function broadcastIndex(idx: readonly number[], shape: Shape): number {
  const off = idx.length - shape.length;
  return ravel(shape.map((d, i) => (d === 1 ? 0 : idx[off + i]!)), shape);
}

describe('cpu unary', () => {
  for (const dtype of DTYPES) {
    it(`matches Math on every op (${dtype})`, () => {
      fc.assert(
        fc.property(
          fc.constantFrom(...(Object.keys(UNARY_REF) as UnaryOp[])),
          fc.integer({ min: 0, max: 40 }).chain((n) => valuesArb(n, -5, 5)),
          (op, vals) => {
            // Exact zeros exercise step/sign/relu at the kink.
            const x = input(vals.map((v, i) => (i % 7 === 3 ? 0 : v)), [vals.length], dtype);
            const xs = stored(x);
            const got = readOut(backend.unary(op, x), x.shape, dtype);
            // Computed in double and rounded once: exactly the rounded reference, even in float32.
            const want = xs.map((v) => (dtype === 'float32' ? Math.fround(UNARY_REF[op](v)) : UNARY_REF[op](v)));
            expectClose(got, want, 0, op);
          },
        ),
        { numRuns: propertyRuns(30) },
      );
    });
  }
});

describe('cpu binary', () => {
  for (const dtype of DTYPES) {
    it(`broadcasts like NumPy (${dtype})`, () => {
      fc.assert(
        fc.property(
          fc.constantFrom(...(Object.keys(BINARY_REF) as BinaryOp[])),
          broadcastShapesArb(2).chain(({ out, operands: [sa, sb] }) =>
            fc.tuple(fc.constant(out), fc.constant(sa!), fc.constant(sb!), valuesArb(sizeOfShape(sa!)), valuesArb(sizeOfShape(sb!))),
          ),
          (op, [out, sa, sb, va, vb]) => {
            // pow on a positive base with a fractional exponent stays real; a few equal values exercise ties.
            const av = op === 'pow' ? va.map((v) => Math.abs(v) + 0.1) : va.map((v, i) => (i % 5 === 0 ? 1 : v));
            const bv = vb.map((v, i) => (i % 4 === 0 ? 1 : v));
            const a = input(av, sa, dtype);
            const b = input(bv, sb, dtype);
            const as = stored(a);
            const bs = stored(b);
            const got = readOut(backend.binary(op, a, b, out), out, dtype);
            const want = Array.from({ length: sizeOfShape(out) }, (_, i) => {
              const idx = unravel(i, out);
              const r = BINARY_REF[op](as[broadcastIndex(idx, sa)]!, bs[broadcastIndex(idx, sb)]!);
              return dtype === 'float32' ? Math.fround(r) : r;
            });
            expectClose(got, want, 0, `${op} [${sa}] [${sb}] -> [${out}]`);
          },
        ),
        { numRuns: propertyRuns(40) },
      );
    });
  }

  it('propagates NaN through maximum and minimum', () => {
    const a = input([NaN, 1], [2], 'float64');
    const b = input([0, NaN], [2], 'float64');
    for (const op of ['maximum', 'minimum'] as const) {
      expect(Array.from(readOut(backend.binary(op, a, b, [2]), [2], 'float64')).every(Number.isNaN)).toBe(true);
    }
  });
});

describe('cpu where', () => {
  for (const dtype of DTYPES) {
    it(`selects with three-way broadcasting (${dtype})`, () => {
      fc.assert(
        fc.property(
          broadcastShapesArb(3).chain(({ out, operands: [sc, sa, sb] }) =>
            fc.tuple(
              fc.constant(out),
              fc.constant([sc!, sa!, sb!] as const),
              fc.array(fc.constantFrom(0, 1, -2), { minLength: sizeOfShape(sc!), maxLength: sizeOfShape(sc!) }),
              valuesArb(sizeOfShape(sa!)),
              valuesArb(sizeOfShape(sb!)),
            ),
          ),
          ([out, [sc, sa, sb], vc, va, vb]) => {
            const c = input(vc, sc, dtype);
            const a = input(va, sa, dtype);
            const b = input(vb, sb, dtype);
            const [cs, as, bs] = [stored(c), stored(a), stored(b)];
            const got = readOut(backend.where(c, a, b, out), out, dtype);
            const want = Array.from({ length: sizeOfShape(out) }, (_, i) => {
              const idx = unravel(i, out);
              return cs[broadcastIndex(idx, sc)] !== 0 ? as[broadcastIndex(idx, sa)]! : bs[broadcastIndex(idx, sb)]!;
            });
            expectClose(got, want, 0, 'where');
          },
        ),
        { numRuns: propertyRuns(30) },
      );
    });
  }
});

describe('cpu cast', () => {
  it('rounds float64 to the nearest float32 and widens back exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30 }).chain((n) => valuesArb(n, -1e6, 1e6)), (vals) => {
        const x = input(vals, [vals.length], 'float64');
        const down = backend.cast(x, 'float32');
        const d = readOut(down, [vals.length], 'float32');
        expect(d).toBeInstanceOf(Float32Array);
        expectClose(d, vals.map(Math.fround), 0, 'f64->f32');
        const up = readOut(backend.cast({ storage: down, shape: [vals.length], dtype: 'float32' }, 'float64'), [vals.length], 'float64');
        expect(up).toBeInstanceOf(Float64Array);
        expectClose(up, vals.map(Math.fround), 0, 'f32->f64');
      }),
      { numRuns: propertyRuns(15) },
    );
  });
});
