/**
 * A float64 model (one image [1, H, W, C] in) against a plain-loop reference: `reference` computes
 * the outputs y from the flat input in float64 loops, independently of the model. The forward
 * check compares y element by element; the gradient check compares the input gradient of
 * Σ_k w_k y_k(x) with central differences of the reference.
 */
import { expect } from 'vitest';
import { grad } from '../../src/autograd/functional.js';
import * as op from '../../src/autograd/ops.js';
import { fromArray } from '../../src/tensor/creation.js';
import type { Tensor } from '../../src/tensor/tensor.js';

/** The model's outputs equal the reference's, each within `tolerance` × max(1, |expected|) (default 1e-12). */
export async function expectOutputMatchesReference(c: { model: ReferenceGradientCheck['model']; x: Float64Array; shape: number[]; reference: (x: Float64Array) => ArrayLike<number>; tolerance?: number }): Promise<void> {
  const y = await c.model.run(fromArray(c.x, c.shape, { dtype: 'float64' })).output.data();
  const want = c.reference(c.x);
  expect(y.length).toBe(want.length);
  for (let k = 0; k < want.length; k++) expect(Math.abs(y[k]! - want[k]!), `output ${k}`).toBeLessThan((c.tolerance ?? 1e-12) * Math.max(1, Math.abs(want[k]!)));
}

export interface ReferenceGradientCheck {
  model: { run(x: Tensor): { output: Tensor } };
  /** The input, flat, and its shape [1, H, W, C]. */
  x: Float64Array;
  shape: number[];
  /** w_k, one per output. */
  weights: number[];
  reference: (x: Float64Array) => ArrayLike<number>;
  /** The step (default 1e-6) and the largest difference allowed (default 1e-6). */
  h?: number;
  tolerance?: number;
}

/** Checks every element; returns how many central differences were not tiny (|fd| > 1e-3), for tests that want most to be. */
export async function expectInputGradientMatchesReference(c: ReferenceGradientCheck): Promise<number> {
  const w = fromArray(Float64Array.from(c.weights), [1, c.weights.length], { dtype: 'float64' });
  const [g] = grad((x: Tensor) => op.sum(op.mul(c.model.run(x).output, w)))(fromArray(c.x, c.shape, { dtype: 'float64' }));
  const got = await g!.data();
  const scalar = (x: Float64Array): number => Array.from(c.reference(x)).reduce((s, v, k) => s + v * c.weights[k]!, 0);
  const h = c.h ?? 1e-6;
  let notTiny = 0;
  for (let i = 0; i < c.x.length; i++) {
    const p = Float64Array.from(c.x);
    const m = Float64Array.from(c.x);
    p[i]! += h;
    m[i]! -= h;
    const fd = (scalar(p) - scalar(m)) / (2 * h);
    expect(Math.abs(got[i]! - fd), `element ${i}`).toBeLessThan(c.tolerance ?? 1e-6);
    if (Math.abs(fd) > 1e-3) notTiny++;
  }
  return notTiny;
}
