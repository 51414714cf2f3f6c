/**
 * How many cases a property suite runs. Suites pass their own small default, so that `npm test`
 * stays cheap on two cores; the slow tier (STIELTJES_TESTS=all, which CI runs) runs twice each
 * default, and STIELTJES_PROPERTY_RUNS=N runs N cases in every suite instead, for a deeper search
 * (after touching a kernel, say).
 */
export const PROPERTY_RUNS_VARIABLE = 'STIELTJES_PROPERTY_RUNS';

/** The slow tier's cases per suite, as a multiple of its default. */
const SLOW_TIER_FACTOR = 2;

/**
 * Cases for a property suite: `defaultRuns`; twice that with STIELTJES_TESTS=all (the slow tier);
 * STIELTJES_PROPERTY_RUNS when that is set.
 */
export function propertyRuns(defaultRuns: number): number {
  // process is absent in browsers: there the default holds.
  const env = typeof process === 'undefined' ? {} : process.env;
  const raw = env[PROPERTY_RUNS_VARIABLE];
  if (raw === undefined || raw.trim() === '') return env.STIELTJES_TESTS === 'all' ? SLOW_TIER_FACTOR * defaultRuns : defaultRuns;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`${PROPERTY_RUNS_VARIABLE}=${raw}: expected a positive integer (the number of cases per property)`);
  }
  return n;
}
