/**
 * Decompression bombs (issue 19): each is refused with a one-line error naming the file (and
 * entry), within a second or so and without inflating it, its peak memory measured in a child
 * process, through the loaders and through the command. Before the limits, the zip bombs took over 20 s and 3.2 GB each and the PNG ones
 * 11–14 s and 2.1–2.3 GB (figures from measure-bombs.ts, in docs/security.md).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/fixtures.js';
import { bombCases } from './bomb-cases.js';
import { COMMAND_CASES, expectCommandRefuses, PEAK_MB, TIME_MS } from './bomb-command.js';
import { measure } from './measure.js';

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
  // Two of the three: a zip bomb through inspect and a PNG bomb through classify. Each run is a
  // process of its own (its memory is what is measured), a Node start and the CLI bundle, about
  // 0.3 s of CPU; bombs.slow.test.ts runs the third (classify on the 20,000 × 20,000 header, refused
  // by the same image decoder as the loader case above).
  for (const c of COMMAND_CASES.filter((x) => x.file !== 'bomb-20k.png')) {
    it(`${c.args('FILE')[0]} ${c.file}: exit 1 with one line, bounded time and memory`, async () => {
      await expectCommandRefuses(c);
    });
  }
});
