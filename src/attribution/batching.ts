/**
 * How many interpolated inputs to push through the model at once: as many as fit a memory budget
 * (activations kept for the backward pass, plus their gradients) and the backend's largest
 * buffer, never more than needed. Results do not depend on it beyond float rounding.
 */
import type { LayeredModel } from '../models/sequential.js';
import type { Backend } from '../kernels/backend.js';

/** Default working-set budget for one batch (bytes). */
export const DEFAULT_BATCH_BUDGET = 768 * 1024 * 1024;

export function autoBatchSize(model: LayeredModel, backend: Backend, wanted: number, budget = DEFAULT_BATCH_BUDGET): number {
  let perExample = model.inputShape.reduce((a, b) => a * b, 1);
  let largest = perExample;
  for (const name of model.layerNames) {
    const n = model.layerShape(name).reduce((a, b) => a * b, 1);
    perExample += n;
    largest = Math.max(largest, n);
  }
  // Forward activations are kept for the backward pass, and the backward pass makes as many again.
  const bytes = perExample * 4 * 3;
  let n = Math.max(1, Math.floor(budget / bytes));
  const limit = (backend as { maxBufferBytes?: number }).maxBufferBytes;
  if (limit) n = Math.min(n, Math.max(1, Math.floor(limit / (largest * 4))));
  return Math.max(1, Math.min(n, wanted));
}

/** Splits 0..n-1 into consecutive chunks of at most `size`. */
export function chunks(n: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < n; s += size) out.push([s, Math.min(n, s + size)]);
  return out;
}
