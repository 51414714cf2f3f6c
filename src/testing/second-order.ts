/**
 * Second-order checks from the primitive table: a case's VJP, projected to a scalar, is a
 * function of the inputs like any other, so checkGrads compares its gradient (the double
 * backward pass) with finite differences of the first-order VJP in float64. A row without a
 * second-order rule must instead throw an error naming the op.
 */
import * as op from '../autograd/ops.js';
import { vjp } from '../autograd/functional.js';
import { fromArray } from '../tensor/creation.js';
import { Random } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkGrads, type CheckGradsReport, type GradFn } from './check-grads.js';
import type { GradCase } from './grad-property.js';
import type { PrimitiveRow } from './primitive-table.js';

/**
 * x ↦ Σ_i ⟨(∂f/∂x_i)ᵀ u, v_i⟩ for fixed random u (output cotangent) and v_i (one per argument):
 * a scalar whose gradient needs the derivative of every VJP rule f recorded.
 */
export function projectedVjp(f: GradFn, seed = 0): GradFn {
  return (...xs: Tensor[]) => {
    const like = { dtype: xs[0]!.dtype, backend: xs[0]!.backend };
    const rng = new Random(seed);
    const r = vjp(f, ...xs);
    const u = fromArray(Float64Array.from({ length: r.value.size }, () => rng.normal()), r.value.shape, like);
    const grads = r.pullback(u);
    const terms = grads.map((g) => op.sum(op.mul(g, fromArray(Float64Array.from({ length: g.size }, () => rng.normal()), g.shape, like))));
    return terms.reduce((a, b) => op.add(a, b));
  };
}

/** The row's second-order check on one case: a report, or for secondOrder: false the error it threw. */
export async function checkSecondOrder(row: PrimitiveRow, c: GradCase, seed = 0): Promise<{ report?: CheckGradsReport; error?: Error }> {
  const inputs = c.inputs.map((x) => fromArray(x.values, x.shape, { dtype: 'float64' }));
  try {
    // Second derivatives by differences of first derivatives lose a few more digits.
    return { report: await checkGrads(projectedVjp(c.f, seed), inputs, { seed, rtol: 1e-4, atol: 1e-6, ...pickFd(row) }) };
  } catch (e) {
    return { error: e as Error };
  } finally {
    for (const t of inputs) t.dispose();
  }
}

function pickFd(row: PrimitiveRow): { rtol?: number; atol?: number } {
  const t = row.tolerance;
  return { ...(t?.rtol !== undefined ? { rtol: t.rtol } : {}), ...(t?.atol !== undefined ? { atol: t.atol } : {}) };
}
