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
 * ∂y^c/∂A by central differences of the head, per element: the perturbed activations (one element
 * ± h each) go through the head in batches (the examples do not interact), at most CHUNK elements
 * (2·CHUNK examples) at a time, so that memory stays linear in the layer's size.
 */
export function layerGradientFD(model: SequentialModel, layer: string, a: Float64Array, target: number, h = 1e-6): Float64Array {
  const CHUNK = 128;
  const n = a.length;
  const g = new Float64Array(n);
  for (let first = 0; first < n; first += CHUNK) {
    const count = Math.min(CHUNK, n - first);
    const batch = new Float64Array(2 * count * n);
    for (let j = 0; j < count; j++) {
      const i = first + j;
      batch.set(a, 2 * j * n);
      batch[2 * j * n + i] = a[i]! + h;
      batch.set(a, (2 * j + 1) * n);
      batch[(2 * j + 1) * n + i] = a[i]! - h;
    }
    const scores = scope(() => {
      const out = noGrad(() => model.run(fromArray(batch, [2 * count, ...model.layerShape(layer)], { dtype: 'float64' }), { from: layer }).output);
      return Float64Array.from(out.dataSync());
    });
    const classes = scores.length / (2 * count);
    for (let j = 0; j < count; j++) g[first + j] = (scores[2 * j * classes + target]! - scores[(2 * j + 1) * classes + target]!) / (2 * h);
  }
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
