import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { cliReference } from '../../src/cli/reference.js';

it('docs/cli.md is the current --help of every command (regenerate: npx tsx scripts/gen-cli-docs.ts)', async () => {
  const committed = readFileSync(join(__dirname, '..', '..', 'docs', 'cli.md'), 'utf8');
  expect(committed).toBe(await cliReference());
});
