/**
 * Writes docs/api.md, the public surface of every entry point, from the code (see
 * scripts/api-reference.ts; test/docs/docs.test.ts checks it is current).
 * Run: npx tsx scripts/gen-api-docs.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiReference } from './api-reference.js';

writeFileSync(join(new URL('..', import.meta.url).pathname, 'docs', 'api.md'), apiReference());
