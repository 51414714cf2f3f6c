/**
 * Writes docs/cli.md from the commands' own --help texts, so the reference cannot drift from the
 * code (test/cli/docs.test.ts checks it is current). Run: npx tsx scripts/gen-cli-docs.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliReference } from '../src/cli/reference.js';

writeFileSync(join(new URL('..', import.meta.url).pathname, 'docs', 'cli.md'), await cliReference());
