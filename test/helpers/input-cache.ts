/**
 * A result computed from files, remembered between runs of the suite while none of those files
 * changes: what the docs test and the import-graph test compile or parse is the same from one run
 * to the next unless a source, a doc or a dependency changed, and compiling it costs seconds of
 * CPU on every run (TypeScript runs cold in each test process).
 *
 * An entry keeps a SHA-1 of every input file, as the computation read it, and is used only while
 * each of those files still has that content (a file gone counts as changed) and its `key` (what
 * was computed from other than files, such as code read out of a document) is the same. A
 * computation that reads another file must name it as an input; one that would be wrong to reuse
 * says `keep: false`. Entries live in node_modules/.cache/stieltjes-tests/ (as other tools'
 * caches do), so a fresh install (npm ci, as CI does) computes everything;
 * STIELTJES_TEST_CACHE=off ignores them.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIR = join(ROOT, 'node_modules', '.cache', 'stieltjes-tests');
/** STIELTJES_TEST_CACHE=off: remember nothing, use nothing remembered. */
export const OFF = process.env.STIELTJES_TEST_CACHE === 'off';

export const sha1 = (content: string | Buffer): string => createHash('sha1').update(content).digest('hex');

/** The SHA-1 of a file's bytes, or null when it cannot be read. */
export function fileDigest(path: string): string | null {
  try {
    return sha1(readFileSync(path));
  } catch {
    return null;
  }
}

export interface Computed<T> {
  value: T;
  /** Absolute path → SHA-1 of the content the computation used (fileDigest, or sha1 of the text it read). */
  inputs: ReadonlyMap<string, string | null>;
  /** False: compute again next time (a failing result, say, so that its message is always fresh). */
  keep: boolean;
}

interface Entry<T> {
  key: string;
  inputs: Record<string, string | null>;
  value: T;
}

/**
 * `compute()`'s value, or the one remembered under `name` if its key and every input are
 * unchanged. `compute` may be async, so that what it needs is imported only when it runs.
 */
export async function remembered<T>(name: string, key: string, compute: () => Computed<T> | Promise<Computed<T>>): Promise<T> {
  const file = join(DIR, `${name}.json`);
  if (!OFF) {
    const entry = readEntry<T>(file);
    if (entry && entry.key === key && Object.entries(entry.inputs).every(([path, digest]) => fileDigest(path) === digest)) return entry.value;
  }
  const { value, inputs, keep } = await compute();
  if (keep && !OFF) writeEntry(file, { key, inputs: Object.fromEntries(inputs), value });
  return value;
}

function readEntry<T>(file: string): Entry<T> | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Entry<T>;
  } catch {
    return null;
  }
}

/** Best effort (a read-only node_modules only loses the saving); written whole, then renamed, so a reader in a parallel process never sees half. */
export function writeEntry(file: string, entry: unknown): void {
  try {
    mkdirSync(DIR, { recursive: true });
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, JSON.stringify(entry));
    renameSync(partial, file);
  } catch {
    // No cache: the next run computes again.
  }
}

/** The file an entry named `name` is kept in (for caches that keep their own format, such as one per file's content). */
export const cacheFile = (name: string): string => join(DIR, `${name}.json`);
