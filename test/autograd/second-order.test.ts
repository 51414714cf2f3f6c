/**
 * Gradients of gradients. Every row of the primitive table: its projected VJP's gradient against
 * finite differences of the first-order VJP (float64), or, for a row without a second-order rule,
 * an error naming the op. Then two hand-made cases with known answers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as op from '../../src/autograd/ops.js';
import { grad } from '../../src/autograd/functional.js';
import { CpuBackend } from '../../src/kernels/cpu/cpu-backend.js';
import { tensor } from '../../src/tensor/creation.js';
import { scope } from '../../src/tensor/scope.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { assertGrads } from '../../src/testing/check-grads.js';
import { primitiveTable } from '../../src/testing/primitive-table.js';
import { propertyRuns } from '../../src/testing/runs.js';
import { checkSecondOrder } from '../../src/testing/second-order.js';

const f64 = { dtype: 'float64' as const };

describe('second order, from the primitive table', () => {
  for (const row of primitiveTable) {
    const claim = row.secondOrder ? 'its gradient is differentiable (finite differences agree)' : 'differentiating twice throws, naming it';
    it(`${row.name}: ${claim}`, async () => {
      // The suite's fast-check seed (test/setup.ts: FC_SEED), or a fresh one under FC_SEED=random.
      const seed = (fc.readConfigureGlobal().seed as number | undefined) ?? Math.floor(Math.random() * 2 ** 31);
      for (const [i, c] of fc.sample(row.cases, { numRuns: propertyRuns(2), seed }).entries()) {
        const { report, error } = await checkSecondOrder(row, c, i);
        if (row.secondOrder) {
          expect(error, `seed ${seed}, case ${i}: ${error?.message}`).toBeUndefined();
          expect(report!.ok, `seed ${seed}, case ${i}: ${JSON.stringify(report!.worst)}`).toBe(true);
        } else {
          expect(error?.message).toMatch(new RegExp(`^${row.name} has no second-order rule`));
        }
      }
    });
  }
});

describe('second order, by hand', () => {
  // tanh from exp: its second derivative is −2·tanh·(1 − tanh²).
  const tanh = (x: Tensor): Tensor => {
    const e = op.exp(op.mul(x, op.scalarLike(x, 2)));
    return op.div(op.sub(e, op.scalarLike(x, 1)), op.add(e, op.scalarLike(x, 1)));
  };
  const xs = [-1.3, -0.2, 0.4, 1.7];

  it('the derivative of the gradient of tanh is −2·tanh·(1 − tanh²), and agrees with finite differences', async () => {
    const dtanh = (x: Tensor): Tensor => grad((a) => op.sum(tanh(a)))(x)[0]!;
    const d2 = grad((x) => op.sum(dtanh(x)))(tensor(xs, [4], f64))[0]!;
    const expected = xs.map((x) => -2 * Math.tanh(x) * (1 - Math.tanh(x) ** 2));
    Array.from(d2.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
    await assertGrads(dtanh, [tensor(xs, [4], f64)]);
  });

  it('a Hessian-vector product through mul and matmul matches finite differences', async () => {
    const w = tensor([0.3, -1.1, 0.8, 0.5, 2.0, -0.7], [3, 2], f64);
    const loss = (x: Tensor): Tensor => op.sum(op.mul(op.matmul(op.mul(x, x), w), op.matmul(x, w)));
    const gradient = (x: Tensor): Tensor => grad(loss)(x)[0]!;
    await assertGrads(gradient, [tensor([0.5, -0.25, 1.5, 0.75, -1, 0.2], [2, 3], f64)]);
  });

  it('max-pool differentiated twice throws an error naming maxPool2d instead of returning zero', () => {
    const x = tensor([0.5, -1, 2, 3, 0.1, 0.7, -0.4, 1.2], [1, 2, 4, 1], f64);
    const pooledGradient = (a: Tensor): Tensor => grad((b) => op.sum(op.mul(op.maxPool2d(b), op.maxPool2d(b))))(a)[0]!;
    // Once is fine: the gradient of Σ maxpool² is 2·max at each window's maximum.
    expect(Array.from(pooledGradient(x).dataSync())).toEqual([0, 0, 0, 6, 0, 1.4, 0, 0]);
    expect(() => grad((a) => op.sum(op.mul(pooledGradient(a), a)))(x)).toThrow(/maxPool2d has no second-order rule/);
  });

  it('a gradient of a gradient inside scope() frees every intermediate of both passes', () => {
    const be = new CpuBackend();
    const x = tensor([0.5, -0.25, 1.5, 0.75], [2, 2], { dtype: 'float64', backend: be });
    const before = be.bytesInUse();
    const inner = (a: Tensor): Tensor => grad((b) => op.sum(op.exp(op.matmul(b, b))))(a)[0]!;
    const g = scope(() => grad((a) => op.sum(op.mul(inner(a), a)))(x)[0]!);
    expect(be.bytesInUse()).toBeGreaterThan(before);
    g.dispose();
    expect(be.bytesInUse()).toBe(before);
  });
});
