/** Algebraic identities that tie primitives together (independent of finite differences). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as op from '../../src/autograd/ops.js';
import { tensor } from '../../src/tensor/creation.js';
import { grad } from '../../src/autograd/functional.js';
import { shapeArb, valuesArb } from '../../src/testing/index.js';
import { propertyRuns } from '../../src/testing/runs.js';

const f64 = { dtype: 'float64' as const };
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-10): void => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b[i]!)));
};
const sized = (s: number[]) => valuesArb(s.reduce((a, b) => a * b, 1)).map((v) => tensor(v, s, f64));

describe('identities', () => {
  it('softmax sums to 1 and exp(logSoftmax) = softmax, even for huge logits', () => {
    fc.assert(
      fc.property(shapeArb({ minRank: 1, maxRank: 3 }).chain(sized), fc.double({ min: -800, max: 800, noNaN: true }), (x, shift) => {
        const shifted = op.add(x, op.scalarLike(x, shift));
        const s = op.softmax(shifted);
        close(op.sum(s, -1).dataSync(), new Array(s.size / (s.shape.at(-1) ?? 1)).fill(1), 1e-12);
        close(op.exp(op.logSoftmax(shifted)).dataSync(), s.dataSync(), 1e-12);
      }),
      { numRuns: propertyRuns(20) },
    );
  });

  it('a 1×1 convolution is a matmul over channels', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), (n, hw, cin, cout) => {
        const x = tensor(Float64Array.from({ length: n * hw * hw * cin }, (_, i) => Math.sin(i)), [n, hw, hw, cin], f64);
        const w = tensor(Float64Array.from({ length: cin * cout }, (_, i) => Math.cos(i)), [1, 1, cin, cout], f64);
        const viaConv = op.conv2d(x, w).dataSync();
        const viaMatmul = op.matmul(op.reshape(x, [-1, cin]), op.reshape(w, [cin, cout])).dataSync();
        close(viaConv, viaMatmul, 1e-12);
      }),
      { numRuns: propertyRuns(15) },
    );
  });

  it('transpose twice with the inverse permutation, and pad then slice, are identities', () => {
    fc.assert(
      fc.property(
        shapeArb({ minRank: 1, maxRank: 4 }).chain((s) => fc.tuple(sized(s), fc.shuffledSubarray(s.map((_, i) => i), { minLength: s.length, maxLength: s.length }))),
        ([x, perm]) => {
          const inv = new Array<number>(perm.length);
          perm.forEach((p, i) => (inv[p] = i));
          close(op.transpose(op.transpose(x, perm), inv).dataSync(), x.dataSync(), 0);
          const padded = op.pad(x, x.shape.map(() => [1, 2] as const), 7);
          close(op.slice(padded, x.shape.map(() => 1), x.shape).dataSync(), x.dataSync(), 0);
        },
      ),
      { numRuns: propertyRuns(20) },
    );
  });

  it('fused conv2d + bias + relu equals relu(conv2d + bias), values and gradients', () => {
    const x = tensor(Float64Array.from({ length: 2 * 5 * 5 * 3 }, (_, i) => Math.sin(1.3 * i)), [2, 5, 5, 3], f64);
    const w = tensor(Float64Array.from({ length: 3 * 3 * 3 * 4 }, (_, i) => Math.cos(0.7 * i)), [3, 3, 3, 4], f64);
    const b = tensor([0.1, -0.2, 0.3, -0.4], [4], f64);
    type T = typeof x;
    // A fixed random cotangent makes the comparison sensitive to every output element.
    const u = tensor(Float64Array.from({ length: 2 * 5 * 5 * 4 }, (_, i) => Math.sin(3.1 * i)), [2, 5, 5, 4], f64);
    const fused = (xi: T, wi: T, bi: T): T => op.sum(op.mul(op.conv2d(xi, wi, { padding: 'same', bias: bi, activation: 'relu' }), u));
    const plain = (xi: T, wi: T, bi: T): T => op.sum(op.mul(op.relu(op.add(op.conv2d(xi, wi, { padding: 'same' }), bi)), u));
    close(fused(x, w, b).dataSync(), plain(x, w, b).dataSync(), 1e-12);
    const gf = grad(fused)(x, w, b);
    const gp = grad(plain)(x, w, b);
    gf.forEach((g, i) => close(g.dataSync(), gp[i]!.dataSync(), 1e-12));
  });

  it('mean of broadcastTo equals the original mean; sum over all axes equals sum of sums', () => {
    fc.assert(
      fc.property(shapeArb({ minRank: 1, maxRank: 3 }).chain(sized), (x) => {
        const big = op.broadcastTo(x, [3, ...x.shape]);
        close(op.mean(big).dataSync(), op.mean(x).dataSync(), 1e-12);
        const all = op.sum(x).dataSync();
        const nested = op.sum(op.sum(x, 0)).dataSync();
        close(all, nested, 1e-12);
      }),
      { numRuns: propertyRuns(20) },
    );
  });
});
