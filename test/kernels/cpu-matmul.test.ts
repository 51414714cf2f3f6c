import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backend, DTYPES, expectClose, input, maxAbs, readOut, stored, sumTolerance, valuesArb } from './cpu-helpers.js';
import { propertyRuns } from '../../src/testing/runs.js';

interface Case {
  batchA: number;
  batchB: number;
  M: number;
  K: number;
  N: number;
  ta: boolean;
  tb: boolean;
}

/** Sizes around the 4×4 block (1..9) so tails, thin products and both code paths are hit. */
const caseArb: fc.Arbitrary<Case> = fc
  .record({
    batch: fc.integer({ min: 1, max: 3 }),
    broadcast: fc.constantFrom('none', 'a', 'b'),
    M: fc.integer({ min: 1, max: 9 }),
    K: fc.integer({ min: 1, max: 9 }),
    N: fc.integer({ min: 1, max: 9 }),
    ta: fc.boolean(),
    tb: fc.boolean(),
  })
  .map(({ batch, broadcast, ...r }) => ({ ...r, batchA: broadcast === 'a' ? 1 : batch, batchB: broadcast === 'b' ? 1 : batch }));

/** C[t, i, j] = Σ_k A(t, i, k) B(t, k, j) with the transposes and batch broadcasting spelled out. */
function matmulRef(a: number[], b: number[], c: Case): number[] {
  const batch = Math.max(c.batchA, c.batchB);
  const out: number[] = [];
  for (let t = 0; t < batch; t++) {
    const ta = c.batchA === 1 ? 0 : t;
    const tb = c.batchB === 1 ? 0 : t;
    for (let i = 0; i < c.M; i++) {
      for (let j = 0; j < c.N; j++) {
        let s = 0;
        for (let k = 0; k < c.K; k++) {
          const av = c.ta ? a[ta * c.K * c.M + k * c.M + i]! : a[ta * c.M * c.K + i * c.K + k]!;
          const bv = c.tb ? b[tb * c.N * c.K + j * c.K + k]! : b[tb * c.K * c.N + k * c.N + j]!;
          s += av * bv;
        }
        out.push(s);
      }
    }
  }
  return out;
}

describe('cpu matmul', () => {
  for (const dtype of DTYPES) {
    it(`matches the triple loop with transposes and batch broadcasting (${dtype})`, () => {
      fc.assert(
        fc.property(
          caseArb.chain((c) => fc.tuple(fc.constant(c), valuesArb(c.batchA * c.M * c.K), valuesArb(c.batchB * c.K * c.N))),
          ([c, va, vb]) => {
            const a = input(va, [c.batchA, c.ta ? c.K : c.M, c.ta ? c.M : c.K], dtype);
            const b = input(vb, [c.batchB, c.tb ? c.N : c.K, c.tb ? c.K : c.N], dtype);
            const as = stored(a);
            const bs = stored(b);
            const outShape = [Math.max(c.batchA, c.batchB), c.M, c.N];
            const got = readOut(backend.matmul(a, b, c.ta, c.tb), outShape, dtype);
            const want = matmulRef(as, bs, c);
            const scale = maxAbs(as) * maxAbs(bs);
            expectClose(got, want, (i) => sumTolerance(dtype, c.K, scale, want[i]!), JSON.stringify(c));
          },
        ),
        { numRuns: propertyRuns(60) },
      );
    });
  }

  it('handles a long shared dimension and many column panels', () => {
    const c: Case = { batchA: 1, batchB: 1, M: 13, K: 300, N: 37, ta: false, tb: true };
    const va = Array.from({ length: c.M * c.K }, (_, i) => Math.sin(i));
    const vb = Array.from({ length: c.K * c.N }, (_, i) => Math.cos(0.7 * i));
    const got = readOut(backend.matmul(input(va, [1, c.M, c.K], 'float64'), input(vb, [1, c.N, c.K], 'float64'), false, true), [1, c.M, c.N], 'float64');
    const want = matmulRef(va, vb, c);
    expectClose(got, want, (i) => sumTolerance('float64', c.K, 1, want[i]!), 'long K');
  });

  it('rejects operands whose inner sizes differ, naming the shapes', () => {
    const a = input(new Array(6).fill(1), [1, 2, 3], 'float64');
    const b = input(new Array(8).fill(1), [1, 4, 2], 'float64');
    expect(() => backend.matmul(a, b, false, false)).toThrow(/cpu\.matmul: \[1, 2, 3\].*\[1, 4, 2\]/);
  });
});
