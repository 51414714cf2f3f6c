/**
 * A handful of the seeded mutants through the command (issue 19): `inspect` on damaged weight
 * files and archives, `classify --json` on damaged images. Each ends with exit code 0 and finite
 * probabilities, or a non-zero exit and one line on stderr naming the file; never a stack trace.
 * Run in this process (runCliHere), since what is checked is the command's handling of the input;
 * test/security/fuzz-cli.slow.test.ts runs the same cases as processes of their own (exit never by
 * a signal, the whole stderr one line), each a Node start and the bundle (about 0.4 s of CPU).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { runCliHere } from '../helpers/cli.js';
import { caseArgs, caseName, expectCleanOutcome, FUZZ_CLI_CASES } from './fuzz-cli-cases.js';

const dir = mkdtempSync(join(tmpdir(), 'stieltjes-fuzz-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('seeded mutants through the command', () => {
  for (const c of FUZZ_CLI_CASES) {
    it(`${c.command} ${caseName(c)}: finite output or a one-line error`, async () => {
      expectCleanOutcome(c, await runCliHere(caseArgs(c, dir)));
    });
  }
});
