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

export function headScore(model: SequentialModel, layer: string, a: Float64Array, target: number): number {
  return scope(() => {
    const shape = [1, ...model.layerShape(layer)];
    const out = model.run(fromArray(a, shape, { dtype: 'float64' }), { from: layer }).output;
    return out.dataSync()[target]!;
  });
}

/** ∂y^c/∂A by central differences of the head, per element. */
export function layerGradientFD(model: SequentialModel, layer: string, a: Float64Array, target: number, h = 1e-6): Float64Array {
  const g = new Float64Array(a.length);
  const w = Float64Array.from(a);
  for (let i = 0; i < a.length; i++) {
    w[i] = a[i]! + h;
    const up = headScore(model, layer, w, target);
    w[i] = a[i]! - h;
    const down = headScore(model, layer, w, target);
    w[i] = a[i]!;
    g[i] = (up - down) / (2 * h);
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
