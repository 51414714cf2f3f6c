/**
 * Decompression bombs (issue 19): each is refused with a one-line error naming the file (and
 * entry), within a second or so and without inflating it, its peak memory measured in a child
 * process, through the loaders and through the command. Before the limits, the zip bombs took over 20 s and 3.2 GB each and the PNG ones
 * 11–14 s and 2.1–2.3 GB (figures from measure-bombs.ts, in docs/security.md).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliBundle } from '../helpers/cli.js';
import { repoRoot } from '../helpers/fixtures.js';
import { bombCases } from './bomb-cases.js';
import { measure, runMeasured, scratchFile } from './measure.js';

/** Loose ceilings: a Node child with the loaders imported sits at about 50 MB. */
const PEAK_MB = 300;
const TIME_MS = 10_000;

/** What some of the messages say: the limit, and how to raise it. */
const SAYS: Record<string, RegExp> = {
  'bomb-10.keras': /cannot inflate "metadata\.json" \(corrupt archive, or more than its declared 10 bytes/,
  'bomb-4g.keras': /"metadata\.json" declares 4\.0 GiB, over the limit of 1\.0 GiB \(STIELTJES_MAX_INFLATED_BYTES raises it\)/,
  'bomb-20k.png': /20000x20000 is 400\.0 megapixels, over the limit of 100\.0 \(STIELTJES_MAX_IMAGE_PIXELS raises it\)/,
  'bomb-adam7.png': /holds more than the 30188 bytes its header implies/,
};

describe('decompression bombs', () => {
  for (const c of bombCases(repoRoot)) {
    it(`${c.name}: a one-line error, bounded time and memory`, async () => {
      const m = await measure(repoRoot, c.kind, c.make(), c.file, 60_000);
      expect(m.outcome, m.message).toBe('error');
      expect(m.message).not.toContain('\n');
      expect(m.message).toContain(join('stieltjes-security', c.file));
      expect(m.ms).toBeLessThan(TIME_MS);
      expect(m.peakMb).toBeLessThan(PEAK_MB);
      if (SAYS[c.file]) expect(m.message).toMatch(SAYS[c.file]!);
    });
  }

});

describe('decompression bombs through the command', () => {
  const byFile = new Map(bombCases(repoRoot).map((c) => [c.file, c]));
  const cases = [
    { file: 'bomb-10.keras', args: (f: string) => ['inspect', f] },
    { file: 'bomb-20k.png', args: (f: string) => ['classify', f, '--weights', join(repoRoot, 'assets', 'digits', 'digits-cnn.h5'), '--backend', 'cpu'] },
    { file: 'bomb-adam7.png', args: (f: string) => ['classify', f, '--weights', join(repoRoot, 'assets', 'digits', 'digits-cnn.h5'), '--backend', 'cpu'] },
  ];
  for (const c of cases) {
    it(`${c.args('FILE')[0]} ${c.file}: exit 1 with one line, bounded time and memory`, async () => {
      const file = scratchFile(repoRoot, `cli-${c.file}`, byFile.get(c.file)!.make());
      const r = await runMeasured([cliBundle(), ...c.args(file)], repoRoot, 60_000);
      expect(r.timedOut).toBe(false);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toContain(file);
      expect(r.ms).toBeLessThan(TIME_MS);
      expect(r.peakMb).toBeLessThan(PEAK_MB);
    });
  }
});
