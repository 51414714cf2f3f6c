/**
 * The bundled digit model's accuracy on 500 held-out mnist digits (slow tier; the default tier's
 * digits-model.test.ts checks the first 100 of the same seeded subset). Needs the `mnist`
 * devDependency; skipped where that package is absent.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Random } from '../../src/tensor/random.js';
import { HELD_OUT_COUNT, shuffleInPlace, splitDigits } from '../../scripts/digits-data.js';
import { accuracy, predictDigits } from '../../scripts/digits-evaluate.js';
import { DIGIT_MODEL_PATH, loadDigitModel } from '../../scripts/digits-model-file.js';

const mnistAvailable = ((): boolean => {
  try {
    createRequire(import.meta.url).resolve('mnist');
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!mnistAvailable)('bundled digit model on held-out mnist digits', () => {
  it('is at least 97% accurate on a seeded subset of 500 held-out digits', () => {
    const model = loadDigitModel(new Uint8Array(readFileSync(DIGIT_MODEL_PATH)));
    const { heldOut } = splitDigits();
    expect(heldOut.length).toBe(HELD_OUT_COUNT);
    const subset = shuffleInPlace([...heldOut], new Random(97)).slice(0, 500);
    const acc = accuracy(predictDigits(model, subset), subset);
    expect(acc).toBeGreaterThanOrEqual(0.97);
    model.dispose();
  });
});
