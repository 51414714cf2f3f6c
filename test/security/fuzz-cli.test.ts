/**
 * A handful of the seeded mutants through the real command (issue 19): `inspect` on damaged
 * weight files and archives, `classify --json` on damaged images. Each ends with exit code 0 and
 * finite probabilities, or a non-zero exit (never a signal) and one line on stderr naming the
 * file; never a stack trace. Few on purpose: each run costs a Node start (about 0.3 s of CPU).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureBytes, repoRoot } from '../helpers/fixtures.js';
import { runCli } from '../helpers/cli.js';
import { mutate, type MutationKind } from './mutants.js';

const dir = mkdtempSync(join(tmpdir(), 'stieltjes-fuzz-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CASES: readonly { fixture: string[]; kind: MutationKind; seed: number; command: 'inspect' | 'classify' }[] = [
  { fixture: ['hdf5', 'tiny_keras3_deflated.keras'], kind: 'zip', seed: 3, command: 'inspect' },
  { fixture: ['hdf5', 'tiny_keras3.keras'], kind: 'overwrite', seed: 11, command: 'inspect' },
  { fixture: ['hdf5', 'tiny_keras3_zip64.keras'], kind: 'truncate', seed: 5, command: 'inspect' },
  { fixture: ['keras', 'hls4ml', 'conv2d_1layer.h5'], kind: 'flip', seed: 7, command: 'inspect' },
  { fixture: ['keras', 'pplonski_keras2cpp', 'my_nn_weights.h5'], kind: 'zero', seed: 2, command: 'inspect' },
  { fixture: ['..', '..', 'assets', 'digits', 'samples', 'digit-3-899.png'], kind: 'flip', seed: 1, command: 'classify' },
  { fixture: ['..', '..', 'assets', 'digits', 'samples', 'digit-7-1012.png'], kind: 'overwrite', seed: 4, command: 'classify' },
  { fixture: ['..', '..', 'assets', 'digits', 'samples', 'digit-0-349.png'], kind: 'truncate', seed: 9, command: 'classify' },
];

describe('seeded mutants through the command', () => {
  for (const c of CASES) {
    const name = `${c.kind}-${c.seed}-${c.fixture.at(-1)!}`;
    it(`${c.command} ${name}: finite output or a one-line error`, () => {
      const file = join(dir, name);
      writeFileSync(file, mutate(fixtureBytes(...c.fixture), c.kind, c.seed));
      const args =
        c.command === 'inspect'
          ? ['inspect', file]
          : ['classify', file, '--weights', join(repoRoot, 'assets', 'digits', 'digits-cnn.h5'), '--backend', 'cpu', '--json'];
      const started = performance.now();
      const r = runCli(args);
      expect(performance.now() - started).toBeLessThan(30_000);
      expect(r.stderr).not.toMatch(/^\s+at /m);
      if (r.code === 0) {
        expect(r.stdout.length).toBeGreaterThan(0);
        if (c.command === 'classify') {
          const top = (JSON.parse(r.stdout) as { top: { probability: unknown }[] }).top;
          for (const t of top) expect(Number.isFinite(t.probability)).toBe(true);
        }
      } else {
        expect(r.code, r.stderr).toBeGreaterThan(0);
        expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
        expect(r.stderr).toContain(name);
      }
    });
  }
});
