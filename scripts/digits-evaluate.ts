/**
 * Classifying digits with a model, in batches and without a tape: the held-out accuracy of the
 * training script, of its reload check and of the tests all come from here, so they agree.
 */
import { noGrad } from '../src/autograd/tape.js';
import { fromArray } from '../src/tensor/creation.js';
import { scope } from '../src/tensor/scope.js';
import { preprocess } from '../src/models/preprocessing.js';
import type { LayeredModel } from '../src/models/sequential.js';
import { DIGIT_SIZE, pixelBatch, type Digit } from './digits-data.js';

/** Index of the largest of each row of a [rows, cols] array. */
export function argmaxRows(values: ArrayLike<number>, rows: number, cols: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (values[r * cols + c]! > values[r * cols + best]!) best = c;
    out.push(best);
  }
  return out;
}

/** The predicted class of each digit (pixels 0–255 through the model's own preprocessing). */
export function predictDigits(model: LayeredModel, digits: readonly Digit[], batchSize = 250): number[] {
  const out: number[] = [];
  for (let start = 0; start < digits.length; start += batchSize) {
    const batch = digits.slice(start, start + batchSize);
    const scores = noGrad(() =>
      scope(() => {
        const pixels = fromArray(pixelBatch(batch), [batch.length, DIGIT_SIZE, DIGIT_SIZE, 1], { backend: model.backend });
        const { output } = model.run(preprocess(model.preprocessing, pixels), { logits: true });
        return Float32Array.from(output.dataSync());
      }),
    );
    out.push(...argmaxRows(scores, batch.length, model.numClasses));
  }
  return out;
}

export function accuracy(predicted: readonly number[], digits: readonly Digit[]): number {
  if (predicted.length !== digits.length) throw new Error(`accuracy: ${predicted.length} predictions for ${digits.length} digits`);
  let right = 0;
  predicted.forEach((p, i) => {
    if (p === digits[i]!.label) right++;
  });
  return digits.length === 0 ? 0 : right / digits.length;
}
