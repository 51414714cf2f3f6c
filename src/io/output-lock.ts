/**
 * One writer per output at a time, and the leftovers of dead writers removed. NODE-ONLY.
 *
 * A lock file `.NAME.lock` beside the output holds the writer's process id, created with O_EXCL
 * so that exactly one process gets it. A second run on the same output fails at once with one
 * line naming the holder (rather than waiting: its work would be thrown away or would overwrite
 * the first run's files). A lock whose process is gone (kill -9, a power cut) is taken over.
 * Within one process the lock is re-entrant: the command line takes it before any work and the
 * explanation writer takes it again around its writes.
 */
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { removeOnSignal } from './signal-cleanup.js';

export interface OutputLock {
  /** The lock file. */
  readonly path: string;
  /** Gives the lock up (the last release of a re-entrant lock removes the file). */
  release(): Promise<void>;
}

/** Thrown when another live process holds the output's lock. */
export class OutputBusyError extends Error {
  constructor(
    message: string,
    readonly holder: number,
  ) {
    super(message);
    this.name = 'OutputBusyError';
  }
}

const held = new Map<string, { count: number; unregister: () => void }>();

export function lockPathFor(output: string): string {
  const dest = resolve(output);
  return join(dirname(dest), `.${basename(dest)}.lock`);
}

/** Takes the lock of `output` (a file or folder path; its parent folder is created if needed). */
export async function lockOutput(output: string): Promise<OutputLock> {
  const path = lockPathFor(output);
  const mine = held.get(path);
  if (mine) {
    mine.count++;
    return lockHandle(path);
  }
  await mkdir(dirname(path), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(path, 'wx');
      try {
        await fh.writeFile(`${process.pid}\n`);
      } finally {
        await fh.close();
      }
      held.set(path, { count: 1, unregister: removeOnSignal(path) });
      return lockHandle(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw e;
    }
    let text = await readFile(path, 'utf8').catch(() => null);
    if (text === null) continue; // released meanwhile: try again
    if (text.trim() === '') {
      // Created this instant, its pid not yet written: give it a moment.
      await new Promise((r) => setTimeout(r, 50));
      text = await readFile(path, 'utf8').catch(() => null);
      if (text === null) continue;
    }
    const holder = Number.parseInt(text, 10);
    if (Number.isSafeInteger(holder) && holder > 0 && isAlive(holder)) throw busy(output, path, holder);
    // The holder is gone (or the file is not ours to read): take it over.
    await takeOver(path, text);
  }
}

function busy(output: string, path: string, holder: number): OutputBusyError {
  return new OutputBusyError(`${output} is being written by another run (process ${holder}, lock file ${path}); wait for it to finish, or delete the lock file if that process is not stieltjes`, holder);
}

/**
 * Removes a dead holder's lock: renamed away first (atomic) and checked to be the one judged
 * stale, so that two runs taking over at once cannot both remove a fresh lock.
 */
async function takeOver(path: string, staleText: string): Promise<void> {
  const aside = `${path}.stale-${process.pid}`;
  try {
    await rename(path, aside);
  } catch {
    return; // someone else took it over first: try again
  }
  const moved = await readFile(aside, 'utf8').catch(() => null);
  if (moved !== null && moved !== staleText) {
    // A fresh lock was created between our read and the rename: give it back.
    await rename(aside, path).catch(() => undefined);
    throw new OutputBusyError(`${path}: another run took the lock first`, Number.parseInt(moved, 10) || 0);
  }
  await rm(aside, { force: true });
}

function lockHandle(path: string): OutputLock {
  let released = false;
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      const h = held.get(path);
      if (!h || --h.count > 0) return;
      held.delete(path);
      await rm(path, { force: true });
      h.unregister();
    },
  };
}

/** Whether a process exists (signal 0 only checks). Our own pid in a lock we do not hold is a dead run's, reused. */
function isAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes what dead writers of `output` left beside it: the explanation writer's temporary folders
 * (`.NAME.partial-PID-…`) and writeFileAtomic's temporary files (`.NAME.PID.HEX.tmp`) whose
 * process is gone. Call it while holding the output's lock. Returns the paths removed.
 */
export async function removeStaleTemporaries(output: string): Promise<string[]> {
  const dest = resolve(output);
  const dir = dirname(dest);
  const name = basename(dest);
  const entries = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const e of entries) {
    if (!e.startsWith(`.${name}.`)) continue;
    const rest = e.slice(name.length + 2);
    const partial = /^partial-(?:(\d+)-)?/.exec(rest);
    const tmp = /^(\d+)\.[0-9a-f]+\.tmp$/.exec(rest);
    const m = partial ?? tmp;
    if (!m) continue;
    const pid = m[1] === undefined ? undefined : Number(m[1]);
    // A partial folder without a pid is from a release before pids were recorded; the lock says nobody is writing.
    if (pid !== undefined && isAlive(pid)) continue;
    await rm(join(dir, e), { recursive: true, force: true });
    removed.push(join(dir, e));
  }
  return removed;
}
