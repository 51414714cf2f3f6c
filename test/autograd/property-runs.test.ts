/** propertyRuns: each suite's default, or STIELTJES_PROPERTY_RUNS when it is set. */
import { afterEach, describe, expect, it } from 'vitest';
import { PROPERTY_RUNS_VARIABLE, propertyRuns } from '../../src/testing/runs.js';

describe('propertyRuns', () => {
  const saved = process.env[PROPERTY_RUNS_VARIABLE];
  afterEach(() => {
    if (saved === undefined) delete process.env[PROPERTY_RUNS_VARIABLE];
    else process.env[PROPERTY_RUNS_VARIABLE] = saved;
  });

  it('returns the default when the variable is unset or empty, and the variable otherwise', () => {
    delete process.env[PROPERTY_RUNS_VARIABLE];
    expect(propertyRuns(7)).toBe(7);
    process.env[PROPERTY_RUNS_VARIABLE] = ' ';
    expect(propertyRuns(7)).toBe(7);
    process.env[PROPERTY_RUNS_VARIABLE] = '250';
    expect(propertyRuns(7)).toBe(250);
  });

  it('rejects what is not a positive integer, naming the variable', () => {
    for (const bad of ['0', '-3', '2.5', 'many']) {
      process.env[PROPERTY_RUNS_VARIABLE] = bad;
      expect(() => propertyRuns(7)).toThrow(new RegExp(`^STIELTJES_PROPERTY_RUNS=${bad}: expected a positive integer`));
    }
  });
});
