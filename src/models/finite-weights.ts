/**
 * Weights are checked for NaN and ±Inf once, when a file's weights become a model's parameters:
 * a damaged weight would otherwise turn every output into NaN without a word (issue 19).
 * Browser-safe.
 */
import type { KerasWeights } from './keras/types.js';

/** Throws naming the layer, the weight, the element and its value, for the first non-finite element. */
export function checkFiniteWeights(weights: KerasWeights, source = 'weight file'): void {
  for (const layer of weights.layers) {
    for (const w of layer.weights) {
      const i = firstNonFiniteIndex(w.data);
      if (i >= 0) {
        throw new Error(
          `${source}: layer ${layer.name}, weight ${w.name}: element ${i} of ${w.data.length} is ${w.data[i]} (not finite); ` +
            'the file is damaged (allowNonFinite / --allow-non-finite loads it anyway)',
        );
      }
    }
  }
}

/** Index of the first NaN or ±Inf, or −1. A plain loop: this runs over every parameter. */
export function firstNonFiniteIndex(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    // v − v is NaN exactly for NaN and ±Inf, and cheaper than Number.isFinite per element.
    if (v - v !== 0) return i;
  }
  return -1;
}
