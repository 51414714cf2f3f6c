/**
 * How many cases a property suite runs. Suites pass their own small default, so that the whole
 * test suite stays cheap (about 90 s of CPU on two cores); STIELTJES_PROPERTY_RUNS=N runs N cases
 * in every suite instead, for a deeper search (CI nightly, or after touching a kernel).
 */
export const PROPERTY_RUNS_VARIABLE = 'STIELTJES_PROPERTY_RUNS';

/** Cases for a property suite: `defaultRuns`, or STIELTJES_PROPERTY_RUNS when that is set. */
export function propertyRuns(defaultRuns: number): number {
  // process is absent in browsers: there the default holds.
  const raw = typeof process === 'undefined' ? undefined : process.env[PROPERTY_RUNS_VARIABLE];
  if (raw === undefined || raw.trim() === '') return defaultRuns;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`${PROPERTY_RUNS_VARIABLE}=${raw}: expected a positive integer (the number of cases per property)`);
  }
  return n;
}
