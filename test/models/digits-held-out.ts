/**
 * The bundled digit model's accuracy on a seeded subset of the held-out mnist digits, shared by
 * digits-model.test.ts (the first 100) and the slow tier's digits-model.slow.test.ts (all 500).
 * The digits come from the `mnist` devDependency: `mnistAvailable` says whether it is installed.
 */
import { createRequire } from 'node:module';
import { Random } from '../../src/tensor/random.js';
import type { SequentialModel } from '../../src/models/sequential.js';
import { shuffleInPlace, type Digit } from '../../scripts/digits-data.js';
import { accuracy, predictDigits } from '../../scripts/digits-evaluate.js';

export const mnistAvailable = ((): boolean => {
  try {
    createRequire(import.meta.url).resolve('mnist');
    return true;
  } catch {
    return false;
  }
})();

/** The model's accuracy on the first `count` digits of the held-out set shuffled by seed 97. */
export function heldOutAccuracy(model: SequentialModel, heldOut: readonly Digit[], count: number): number {
  const subset = shuffleInPlace([...heldOut], new Random(97)).slice(0, count);
  return accuracy(predictDigits(model, subset), subset);
}
