/**
 * The decompression bombs through the command, shared by bombs.test.ts (two of them) and
 * bombs.slow.test.ts (the third): each run a process of its own whose time and peak memory are
 * measured, ending with exit code 1 and one line naming the file.
 */
import { join } from 'node:path';
import { expect } from 'vitest';
import { cliBundle } from '../helpers/cli.js';
import { repoRoot } from '../helpers/fixtures.js';
import { bombCases } from './bomb-cases.js';
import { runMeasured, scratchFile } from './measure.js';

/** Loose ceilings: a Node child with the loaders imported sits at about 50 MB. */
export const PEAK_MB = 300;
export const TIME_MS = 10_000;

export interface CommandCase {
  readonly file: string;
  readonly args: (file: string) => string[];
}

const digits = join(repoRoot, 'assets', 'digits', 'digits-cnn.h5');

export const COMMAND_CASES: readonly CommandCase[] = [
  { file: 'bomb-10.keras', args: (f) => ['inspect', f] },
  { file: 'bomb-20k.png', args: (f) => ['classify', f, '--weights', digits, '--backend', 'cpu'] },
  { file: 'bomb-adam7.png', args: (f) => ['classify', f, '--weights', digits, '--backend', 'cpu'] },
];

export async function expectCommandRefuses(c: CommandCase): Promise<void> {
  const bomb = bombCases(repoRoot).find((b) => b.file === c.file)!;
  const file = scratchFile(repoRoot, `cli-${c.file}`, bomb.make());
  const r = await runMeasured([cliBundle(), ...c.args(file)], repoRoot, 60_000);
  expect(r.timedOut).toBe(false);
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toContain(file);
  expect(r.ms).toBeLessThan(TIME_MS);
  expect(r.peakMb).toBeLessThan(PEAK_MB);
}
