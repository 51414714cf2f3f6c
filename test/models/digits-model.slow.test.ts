/**
 * The bundled digit model's accuracy on 500 held-out mnist digits (slow tier; the default tier's
 * digits-model.test.ts checks the first 100 of the same seeded subset). Needs the `mnist`
 * devDependency; skipped where that package is absent.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HELD_OUT_COUNT, splitDigits } from '../../scripts/digits-data.js';
import { DIGIT_MODEL_PATH, loadDigitModel } from '../../scripts/digits-model-file.js';
import { heldOutAccuracy, mnistAvailable } from './digits-held-out.js';

describe.skipIf(!mnistAvailable)('bundled digit model on held-out mnist digits', () => {
  it('is at least 97% accurate on a seeded subset of 500 held-out digits', () => {
    const model = loadDigitModel(new Uint8Array(readFileSync(DIGIT_MODEL_PATH)));
    const { heldOut } = splitDigits();
    expect(heldOut.length).toBe(HELD_OUT_COUNT);
    expect(heldOutAccuracy(model, heldOut, 500)).toBeGreaterThanOrEqual(0.97);
    model.dispose();
  });
});
