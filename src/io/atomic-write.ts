/**
 * Writing a file so that nobody ever sees it half-written. NODE-ONLY (node:fs).
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { removeOnSignal } from './signal-cleanup.js';

/**
 * Write `bytes` to `path` through a temporary sibling file and a rename, which is atomic within
 * one file system: a reader, or a crash, sees the old file or the new one, never part of it.
 * The data reaches the disk (fsync) before the rename, and the rename before we return (fsync of
 * the folder), so a power cut cannot leave the new name pointing at empty blocks. The temporary
 * file is removed if anything fails, or if the process is interrupted; its name carries the
 * process id so that a later run can tell a dead writer's leftover (see output-lock.ts).
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const unregister = removeOnSignal(temporary);
  try {
    const fh = await open(temporary, 'w');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(temporary, path);
    await syncFolder(dirname(path));
  } catch (e) {
    await rm(temporary, { force: true });
    throw new Error(`cannot write ${path}: ${(e as Error).message}`);
  } finally {
    unregister();
  }
}

/**
 * fsync of a folder, so that the names created or renamed in it are on disk. Best effort: some
 * platforms (Windows) and file systems cannot open or sync a folder, and lose nothing by skipping.
 */
export async function syncFolder(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Not supported here.
  } finally {
    await fh?.close().catch(() => undefined);
  }
}
