/**
 * Every keras.applications family's committed float64 reference records how close any ReLU input
 * (at 0, and at ReLU6's 6) or any max pooling's runner-up came to its kink, relative to that
 * layer's largest input, over the points where the reference takes a gradient (the Grad-CAM input
 * and each IG α point). scripts/keras-family-references.py refuses a family below KINK_THRESHOLD;
 * this checks the committed files, so that a re-seed (scripts/keras-applications.ts) cannot
 * silently land a gate within float32's rounding of its kink, where a float32 backend's gradient
 * is a coin toss (MobileNetV3Large's seed 5: 9e-9 relative at IG's α = 0.5, 4.2e-4 off on WebGPU).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FAMILY_BUILDERS } from '../../scripts/keras-applications.js';
import { fixture } from '../helpers/fixtures.js';

/** scripts/keras-family-references.py's KINK_THRESHOLD: float32's epsilon (2^-23), rounded down. */
const KINK_THRESHOLD = 1e-7;

interface KinkMargin {
  value: number | null;
  layer: string | null;
  kink: string | null;
  point: string | null;
  threshold: number;
}

describe('keras.applications references: no ReLU or max pooling within float32 noise of its kink', () => {
  it.each(Object.keys(FAMILY_BUILDERS))('%s', (key) => {
    const ref = JSON.parse(readFileSync(fixture('keras-families', `${key}.json`), 'utf8')) as { kinkMargin?: KinkMargin };
    const m = ref.kinkMargin;
    expect(m, `${key}.json has no kinkMargin: regenerate it with scripts/keras-family-references.py`).toBeDefined();
    // Generated against this threshold (a lowered one in the script would show here).
    expect(m!.threshold).toBeGreaterThanOrEqual(KINK_THRESHOLD);
    // null: the family has no ReLU and no max pooling (EfficientNet, ConvNeXt).
    if (m!.value === null) return;
    expect(m!.value, `${key}: ${m!.layer} (${m!.kink}) at ${m!.point}`).toBeGreaterThanOrEqual(KINK_THRESHOLD);
  });
});
