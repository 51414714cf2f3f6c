/**
 * Prints the bombs' figures for a source tree: `npx tsx test/security/measure-bombs.ts [ROOT]
 * [TIMEOUT_MS]` (ROOT defaults to this checkout; another checkout gives "before" figures).
 */
import { resolve } from 'node:path';
import { bombCases } from './bomb-cases.js';
import { measure } from './measure.js';

const root = resolve(process.argv[2] ?? resolve(__dirname, '..', '..'));
const timeoutMs = Number(process.argv[3] ?? 30_000);
for (const c of bombCases(root)) {
  const m = await measure(root, c.kind, c.make(), c.file, timeoutMs);
  console.log(`${c.name}\t${m.outcome}\t${(m.ms / 1000).toFixed(2)} s\t${m.peakMb.toFixed(0)} MB peak\t${m.message.slice(0, 160)}`);
}
