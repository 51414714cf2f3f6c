/**
 * fast-check arbitraries for gradient checks: shapes (with size-1 axes and broadcasting partners)
 * and values that stay away from the kinks of ReLU, abs and max by construction.
 */
import fc from 'fast-check';
import { Random } from '../tensor/random.js';
import type { Shape } from '../tensor/shape.js';

export interface ShapeOptions {
  minRank?: number;
  maxRank?: number;
  /** Largest dimension (default 4). */
  maxDim?: number;
}

/** A shape whose dimensions are 1..maxDim (1 appears often, to exercise broadcasting). */
export function shapeArb(opts: ShapeOptions = {}): fc.Arbitrary<number[]> {
  const maxDim = opts.maxDim ?? 4;
  return fc.array(fc.oneof(fc.constant(1), fc.integer({ min: 1, max: maxDim })), {
    minLength: opts.minRank ?? 0,
    maxLength: opts.maxRank ?? 3,
  });
}

/** A pair of shapes that broadcast together: the second drops leading axes and sets some to 1. */
export function broadcastPairArb(opts: ShapeOptions = {}): fc.Arbitrary<[number[], number[]]> {
  return shapeArb(opts).chain((s) =>
    fc.tuple(fc.integer({ min: 0, max: s.length }), fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }), fc.boolean()).map(
      ([drop, ones, swap]) => {
        const t = s.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d));
        return swap ? [t, s] : [s, t];
      },
    ),
  );
}

export interface ValueOptions {
  /** Values are drawn from [-range, range] (default 2). */
  range?: number;
  /** Every |value| ≥ minAbs (keeps ReLU/abs off their kink; default 0). */
  minAbs?: number;
  /** Values pairwise at least this far apart (keeps max/min off ties; default 0: no constraint). */
  minGap?: number;
  /** Only positive values in [minAbs, range] (for log, sqrt, pow bases). */
  positive?: boolean;
}

/** Values for a tensor of `size` elements as a Float64Array, generated from a fast-check seed. */
export function valuesArb(size: number, opts: ValueOptions = {}): fc.Arbitrary<Float64Array> {
  return fc.integer({ min: 0, max: 2 ** 31 - 1 }).map((seed) => makeValues(size, seed, opts));
}

/** Deterministic values from a seed (exported for tests that build inputs by hand). */
export function makeValues(size: number, seed: number, opts: ValueOptions = {}): Float64Array {
  const rng = new Random(seed);
  const range = opts.range ?? 2;
  const minAbs = opts.minAbs ?? 0;
  const out = new Float64Array(size);
  if (opts.minGap && opts.minGap > 0) {
    // A shuffled grid with spacing ≥ minGap plus a little jitter: distinct by construction.
    const gap = opts.minGap;
    const lo = opts.positive ? Math.max(minAbs, 0) : -gap * (size / 2);
    const slots = Array.from({ length: size }, (_, i) => lo + i * gap * 1.5 + rng.uniform(0, gap * 0.25));
    for (let i = size - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [slots[i], slots[j]] = [slots[j]!, slots[i]!];
    }
    // Keep values off zero when asked by shifting the grid.
    for (let i = 0; i < size; i++) {
      let v = slots[i]!;
      if (!opts.positive && Math.abs(v) < minAbs) v += v < 0 ? -minAbs : minAbs;
      out[i] = v;
    }
    return out;
  }
  for (let i = 0; i < size; i++) {
    let v: number;
    if (opts.positive) v = rng.uniform(Math.max(minAbs, 1e-3), range);
    else {
      v = rng.uniform(minAbs, range);
      if (rng.next() < 0.5) v = -v;
    }
    out[i] = v;
  }
  return out;
}

/** A shape and matching values. */
export function tensorArb(shape: fc.Arbitrary<number[]> | Shape, opts: ValueOptions = {}): fc.Arbitrary<{ shape: number[]; values: Float64Array }> {
  const shapes: fc.Arbitrary<number[]> = Array.isArray(shape) ? fc.constant([...(shape as Shape)]) : (shape as fc.Arbitrary<number[]>);
  return shapes.chain((s) => valuesArb(s.reduce((a, b) => a * b, 1), opts).map((values) => ({ shape: s, values })));
}
