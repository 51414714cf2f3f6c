/**
 * Every bad input of test/cli/input-checks.test.ts as a process of its own (slow tier: a Node start
 * and the CLI bundle each, about 0.4 s of CPU apiece): its whole stderr is the one line, with
 * nothing before it (Dawn's native warnings, say), and no output is made. The default tier runs one
 * of these as a process and the rest in its own process.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { inputCases } from './input-cases.js';

const work = mkdtempSync(join(tmpdir(), 'stieltjes-input-checks-slow-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('bad inputs, each in a process of its own, are one line before any work', () => {
  it.each(inputCases(work))('%j', (args, message) => {
    const r = runCli(args);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`stieltjes: ${message}`);
    expect(r.stdout).toBe('');
    expect(existsSync(join(work, 'never'))).toBe(false);
  });
});
