/**
 * The seeded mutants that test/security/fuzz-cli.test.ts runs through the command in its own
 * process, and test/security/fuzz-cli.slow.test.ts runs as processes of their own, with what
 * either must see: exit code 0 and finite probabilities, or a non-zero exit and one line on stderr
 * naming the file; never a stack trace.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { CliRun } from '../helpers/cli.js';
import { fixtureBytes, repoRoot } from '../helpers/fixtures.js';
import { mutate, type MutationKind } from './mutants.js';

export interface FuzzCliCase {
  readonly fixture: string[];
  readonly kind: MutationKind;
  readonly seed: number;
  readonly command: 'inspect' | 'classify';
}

export const FUZZ_CLI_CASES: readonly FuzzCliCase[] = [
  { fixture: ['hdf5', 'tiny_keras3_deflated.keras'], kind: 'zip', seed: 3, command: 'inspect' },
  { fixture: ['hdf5', 'tiny_keras3.keras'], kind: 'overwrite', seed: 11, command: 'inspect' },
  { fixture: ['hdf5', 'tiny_keras3_zip64.keras'], kind: 'truncate', seed: 5, command: 'inspect' },
  { fixture: ['keras', 'hls4ml', 'conv2d_1layer.h5'], kind: 'flip', seed: 7, command: 'inspect' },
  { fixture: ['keras', 'pplonski_keras2cpp', 'my_nn_weights.h5'], kind: 'zero', seed: 2, command: 'inspect' },
  { fixture: ['..', '..', 'assets', 'digits', 'samples', 'digit-3-899.png'], kind: 'flip', seed: 1, command: 'classify' },
  { fixture: ['..', '..', 'assets', 'digits', 'samples', 'digit-7-1012.png'], kind: 'overwrite', seed: 4, command: 'classify' },
  { fixture: ['..', '..', 'assets', 'digits', 'samples', 'digit-0-349.png'], kind: 'truncate', seed: 9, command: 'classify' },
];

export const caseName = (c: FuzzCliCase): string => `${c.kind}-${c.seed}-${c.fixture.at(-1)!}`;

/** Writes the mutant into `dir`; the command's arguments for it. */
export function caseArgs(c: FuzzCliCase, dir: string): string[] {
  const file = join(dir, caseName(c));
  writeFileSync(file, mutate(fixtureBytes(...c.fixture), c.kind, c.seed));
  return c.command === 'inspect' ? ['inspect', file] : ['classify', file, '--weights', join(repoRoot, 'assets', 'digits', 'digits-cnn.h5'), '--backend', 'cpu', '--json'];
}

export function expectCleanOutcome(c: FuzzCliCase, r: CliRun): void {
  expect(r.stderr).not.toMatch(/^\s+at /m);
  if (r.code === 0) {
    expect(r.stdout.length).toBeGreaterThan(0);
    if (c.command === 'classify') {
      const top = (JSON.parse(r.stdout) as { top: { probability: unknown }[] }).top;
      for (const t of top) expect(Number.isFinite(t.probability)).toBe(true);
    }
  } else {
    // A signal (a native crash) leaves code -1 from runCli.
    expect(r.code, r.stderr).toBeGreaterThan(0);
    expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
    expect(r.stderr).toContain(caseName(c));
  }
}
