/**
 * The seeded mutants of test/security/fuzz-cli.test.ts through the real command, each a process of
 * its own (slow tier: a Node start and the CLI bundle per case, about 0.4 s of CPU each): the exit
 * is never by a signal, and the process's whole stderr is the one line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { caseArgs, caseName, expectCleanOutcome, FUZZ_CLI_CASES } from './fuzz-cli-cases.js';

const dir = mkdtempSync(join(tmpdir(), 'stieltjes-fuzz-cli-slow-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('seeded mutants through the command, each in a process of its own', () => {
  for (const c of FUZZ_CLI_CASES) {
    it(`${c.command} ${caseName(c)}: finite output or a one-line error`, () => {
      const args = caseArgs(c, dir);
      const started = performance.now();
      const r = runCli(args);
      expect(performance.now() - started).toBeLessThan(30_000);
      expectCleanOutcome(c, r);
    });
  }
});
