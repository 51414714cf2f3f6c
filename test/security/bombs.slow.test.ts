/**
 * The third decompression bomb through the command (slow tier: a process of its own, about 0.3 s of
 * CPU): classify on a PNG whose header claims 20,000 × 20,000 pixels. bombs.test.ts checks the
 * image decoder on it directly, and classify on the interlaced PNG bomb.
 */
import { describe, it } from 'vitest';
import { COMMAND_CASES, expectCommandRefuses } from './bomb-command.js';

describe('decompression bombs through the command', () => {
  for (const c of COMMAND_CASES.filter((x) => x.file === 'bomb-20k.png')) {
    it(`${c.args('FILE')[0]} ${c.file}: exit 1 with one line, bounded time and memory`, async () => {
      await expectCommandRefuses(c);
    });
  }
});
