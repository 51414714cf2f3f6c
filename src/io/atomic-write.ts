/**
 * Writing a file so that nobody ever sees it half-written. NODE-ONLY (node:fs).
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Write `bytes` to `path` through a temporary sibling file and a rename, which is atomic within
 * one file system: a reader, or a crash, sees the old file or the new one, never part of it.
 * The temporary file is removed if anything fails.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, bytes);
    await rename(temporary, path);
  } catch (e) {
    await rm(temporary, { force: true });
    throw new Error(`cannot write ${path}: ${(e as Error).message}`);
  }
}
