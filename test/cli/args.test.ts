/** The flag rules themselves (no command started): every bad value is one line naming flag, value and range. */
import { describe, expect, it } from 'vitest';
import { intFlag, numberFlag, parseFlags, rangeText } from '../../src/cli/args.js';
import { CliError } from '../../src/cli/errors.js';

const SPEC = { steps: { type: 'string' }, lr: { type: 'string' }, quiet: { type: 'boolean' }, out: { type: 'string' } } as const;

/** The CliError a function throws (or undefined). */
function failure(fn: () => unknown): CliError | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(CliError);
    return e as CliError;
  }
}

describe('parseFlags', () => {
  it('takes values that begin with a dash, and empty values, as values', () => {
    expect(parseFlags('x', ['--steps', '-1', '--lr', '-0.5', '--out', ''], SPEC).values).toEqual({ steps: '-1', lr: '-0.5', out: '' });
    expect(parseFlags('x', ['--steps=-3', 'IMAGE', '--quiet'], SPEC)).toEqual({ values: { steps: '-3', quiet: true }, positionals: ['IMAGE'] });
    expect(parseFlags('x', ['--', '--steps'], SPEC).positionals).toEqual(['--steps']);
  });

  it.each([
    [['--steps'], /^x: --steps needs a value \(see stieltjes x --help\)$/],
    [['--out', '--quiet'], /^x: --out needs a value/],
    [['--bogus'], /^x: unknown flag --bogus \(see stieltjes x --help\)$/],
    [['--quiet=yes'], /^x: --quiet takes no value/],
  ])('%j is one line with exit code 2', (argv, message) => {
    const e = failure(() => parseFlags('x', argv, SPEC))!;
    expect(e.message).toMatch(message);
    expect(e.message).not.toContain('\n');
    expect(e.exitCode).toBe(2);
  });
});

describe('intFlag and numberFlag', () => {
  it('write ranges as intervals', () => {
    expect(rangeText(1, 100)).toBe('[1, 100]');
    expect(rangeText(0, Number.MAX_SAFE_INTEGER)).toBe('[0, ∞)');
    expect(rangeText(0, 100, true)).toBe('(0, 100]');
  });

  it('accept values in range and return the default when absent', () => {
    expect(intFlag('c', 'steps', '7', 50, [1, 10])).toBe(7);
    expect(intFlag('c', 'steps', undefined, 50, [1, 10])).toBe(50);
    expect(numberFlag('c', 'lr', '1e-3', 0.1, { min: 0, max: 100, minExclusive: true })).toBe(0.001);
    expect(numberFlag('c', 'lambda', '1', 0.9, { min: 0, max: 1 })).toBe(1);
  });

  // The values the issue lists for --steps, --batch, --target, --top, --iterations, --runs, --seed.
  it.each(['-1', '', ' ', '0', '1.5', '1e3', 'lots', '99999999999999999999', 'NaN', '0x10'])('intFlag refuses %j in [1, 1000]', (raw) => {
    const e = failure(() => intFlag('c', 'steps', raw, 50, [1, 1000]))!;
    expect(e.message).toBe(`c: --steps must be an integer in [1, 1000], got '${raw}'`);
    expect(e.exitCode).toBe(2);
  });

  // --lr and --lambda: a learning rate of 0 or 1e20, a λ outside [0, 1], and no number at all.
  it.each([
    ['lr', '0', { min: 0, max: 100, minExclusive: true }, '(0, 100]'],
    ['lr', '1e20', { min: 0, max: 100, minExclusive: true }, '(0, 100]'],
    ['lr', '-1', { min: 0, max: 100, minExclusive: true }, '(0, 100]'],
    ['lr', '', { min: 0, max: 100, minExclusive: true }, '(0, 100]'],
    ['lr', 'Infinity', { min: 0, max: 100, minExclusive: true }, '(0, 100]'],
    ['lambda', '1.5', { min: 0, max: 1 }, '[0, 1]'],
    ['lambda', 'NaN', { min: 0, max: 1 }, '[0, 1]'],
  ])('numberFlag refuses --%s %j', (name, raw, range, text) => {
    const e = failure(() => numberFlag('c', name, raw, 0.1, range))!;
    expect(e.message).toBe(`c: --${name} must be a number in ${text}, got '${raw}'`);
  });
});
