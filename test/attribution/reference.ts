/**
 * Direct float64 evaluations of the spec's formulas, independent of the library's attribution
 * code: gradients with respect to a layer come from central finite differences of the head.
 */
import { noGrad } from '../../src/autograd/tape.js';
import * as op from '../../src/autograd/ops.js';
import type { SequentialModel } from '../../src/models/sequential.js';
import { fromArray } from '../../src/tensor/creation.js';
import { scope } from '../../src/tensor/scope.js';
import type { Tensor } from '../../src/tensor/tensor.js';

export function activation(model: SequentialModel, x: Tensor, layer: string): Float64Array {
  return scope(() => Float64Array.from(noGrad(() => model.run(x, { until: layer }).output).dataSync()));
}

/**
 * ∂y^c/∂A by central differences of the head, per element: the 2·N perturbed activations (one
 * element ± h each) go through the head as one batch, each example on its own (one call rather
 * than 2·N; the examples do not interact).
 */
export function layerGradientFD(model: SequentialModel, layer: string, a: Float64Array, target: number, h = 1e-6): Float64Array {
  const n = a.length;
  const batch = new Float64Array(2 * n * n);
  for (let i = 0; i < n; i++) {
    batch.set(a, 2 * i * n);
    batch[2 * i * n + i] = a[i]! + h;
    batch.set(a, (2 * i + 1) * n);
    batch[(2 * i + 1) * n + i] = a[i]! - h;
  }
  const scores = scope(() => {
    const out = noGrad(() => model.run(fromArray(batch, [2 * n, ...model.layerShape(layer)], { dtype: 'float64' }), { from: layer }).output);
    return Float64Array.from(out.dataSync());
  });
  const classes = scores.length / (2 * n);
  const g = new Float64Array(n);
  for (let i = 0; i < n; i++) g[i] = (scores[2 * i * classes + target]! - scores[(2 * i + 1) * classes + target]!) / (2 * h);
  return g;
}

/** L = ReLU(Σ_k w_k A^k) for A in HWC order. */
export function camFromWeights(a: Float64Array, weights: Float64Array): Float64Array {
  const K = weights.length;
  const out = new Float64Array(a.length / K);
  for (let p = 0; p < out.length; p++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += weights[k]! * a[p * K + k]!;
    out[p] = Math.max(0, s);
  }
  return out;
}

/** (1/Z) Σ_ij of an HWC array, per channel. */
export function channelMeans(v: Float64Array, K: number): Float64Array {
  const out = new Float64Array(K);
  const Z = v.length / K;
  for (let p = 0; p < Z; p++) for (let k = 0; k < K; k++) out[k] = out[k]! + v[p * K + k]! / Z;
  return out;
}

export function interpolate(x: Tensor, baseline: Tensor, alpha: number): Tensor {
  return op.add(baseline, op.mul(op.sub(x, baseline), op.scalarLike(x, alpha)));
}
