/**
 * How many interpolated inputs to push through the model at once: as many as fit a memory budget
 * (activations kept for the backward pass, plus their gradients), never more than needed.
 * Binding limits need no care here: the WebGPU backend splits any tensor across bindings sized
 * by the device's own limits. Results do not depend on the batch size beyond float rounding.
 */
import type { LayeredModel } from '../models/sequential.js';

/** Default working-set budget for one batch (bytes). */
export const DEFAULT_BATCH_BUDGET = 768 * 1024 * 1024;

/**
 * Layers that keep more than their output on the tape. A separable convolution keeps its
 * depthwise convolution's output as well as its own (about as large: C·M channels against Cout).
 * A depthwise convolution is one primitive and keeps only its output; before it was one, its
 * composed taps kept about 40 outputs' worth, and counting that as one let full-size
 * MobileNetV2's IG pick a batch that needed more than the WebAssembly backend's 4 GiB.
 */
const TAPE_OUTPUTS_PER_KIND: Readonly<Record<string, number>> = { separableConv2d: 2 };

export function autoBatchSize(model: LayeredModel, wanted: number, budget = DEFAULT_BATCH_BUDGET): number {
  let perExample = model.inputShape.reduce((a, b) => a * b, 1);
  for (const name of model.layerNames) {
    const factor = TAPE_OUTPUTS_PER_KIND[model.layerKind?.(name) ?? ''] ?? 1;
    perExample += factor * model.layerShape(name).reduce((a, b) => a * b, 1);
  }
  // Forward activations are kept for the backward pass, and the backward pass makes as many again.
  const bytes = perExample * 4 * 3;
  const n = Math.max(1, Math.floor(budget / bytes));
  return Math.max(1, Math.min(n, wanted));
}

/** Splits 0..n-1 into consecutive chunks of at most `size`. */
export function chunks(n: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < n; s += size) out.push([s, Math.min(n, s + size)]);
  return out;
}
