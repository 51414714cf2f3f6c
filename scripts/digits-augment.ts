/**
 * Training-time augmentation: each digit shifted by a few whole pixels (zero fill), drawn from a
 * seeded generator. With only 8,000 training digits this is what keeps the CNN from learning
 * where in the frame a stroke sits rather than its shape.
 */
import type { Random } from '../src/tensor/random.js';
import { DIGIT_SIZE, type Digit } from './digits-data.js';

/** The digit's pixels moved right by dx and down by dy (negative: left / up). */
export function shiftPixels(pixels: Uint8Array, dx: number, dy: number): Uint8Array {
  const out = new Uint8Array(pixels.length);
  for (let y = 0; y < DIGIT_SIZE; y++) {
    const sy = y - dy;
    if (sy < 0 || sy >= DIGIT_SIZE) continue;
    for (let x = 0; x < DIGIT_SIZE; x++) {
      const sx = x - dx;
      if (sx >= 0 && sx < DIGIT_SIZE) out[y * DIGIT_SIZE + x] = pixels[sy * DIGIT_SIZE + sx]!;
    }
  }
  return out;
}

/** Copies of the digits, each shifted independently by up to `maxShift` pixels in x and y. */
export function randomlyShifted(digits: readonly Digit[], maxShift: number, rng: Random): Digit[] {
  const span = 2 * maxShift + 1;
  return digits.map((d) => {
    const dx = rng.int(span) - maxShift;
    const dy = rng.int(span) - maxShift;
    return dx === 0 && dy === 0 ? d : { ...d, pixels: shiftPixels(d.pixels, dx, dy) };
  });
}
