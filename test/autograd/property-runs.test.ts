/** propertyRuns: each suite's default, twice it in the slow tier, or STIELTJES_PROPERTY_RUNS when it is set. */
import { afterEach, describe, expect, it } from 'vitest';
import { PROPERTY_RUNS_VARIABLE, propertyRuns } from '../../src/testing/runs.js';

describe('propertyRuns', () => {
  const saved = { runs: process.env[PROPERTY_RUNS_VARIABLE], tier: process.env.STIELTJES_TESTS };
  afterEach(() => {
    for (const [name, value] of [[PROPERTY_RUNS_VARIABLE, saved.runs], ['STIELTJES_TESTS', saved.tier]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('returns the default when the variable is unset or empty, and the variable otherwise', () => {
    delete process.env.STIELTJES_TESTS;
    delete process.env[PROPERTY_RUNS_VARIABLE];
    expect(propertyRuns(7)).toBe(7);
    process.env[PROPERTY_RUNS_VARIABLE] = ' ';
    expect(propertyRuns(7)).toBe(7);
    process.env[PROPERTY_RUNS_VARIABLE] = '250';
    expect(propertyRuns(7)).toBe(250);
  });

  it('doubles the default in the slow tier (STIELTJES_TESTS=all), where the variable still wins', () => {
    delete process.env[PROPERTY_RUNS_VARIABLE];
    process.env.STIELTJES_TESTS = 'all';
    expect(propertyRuns(7)).toBe(14);
    process.env.STIELTJES_TESTS = 'default';
    expect(propertyRuns(7)).toBe(7);
    process.env.STIELTJES_TESTS = 'all';
    process.env[PROPERTY_RUNS_VARIABLE] = '3';
    expect(propertyRuns(7)).toBe(3);
  });

  it('rejects what is not a positive integer, naming the variable', () => {
    for (const bad of ['0', '-3', '2.5', 'many']) {
      process.env[PROPERTY_RUNS_VARIABLE] = bad;
      expect(() => propertyRuns(7)).toThrow(new RegExp(`^STIELTJES_PROPERTY_RUNS=${bad}: expected a positive integer`));
    }
  });
});
