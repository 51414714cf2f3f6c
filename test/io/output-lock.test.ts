/**
 * Output directories (issue 19): one writer per output through a lock file, a dead writer's lock
 * and leftovers removed by the next one, temporaries removed on SIGTERM, and fsync'd writes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/io/atomic-write.js';
import { lockOutput, lockPathFor, OutputBusyError, removeStaleTemporaries } from '../../src/io/output-lock.js';
import { pendingCleanup } from '../../src/io/signal-cleanup.js';

const work = mkdtempSync(join(tmpdir(), 'stieltjes-lock-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A process id that is certainly not running: a child that has already exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('lockOutput', () => {
  it('is re-entrant within a process and removes its file on the last release', async () => {
    const out = join(work, 'a', 'out');
    const first = await lockOutput(out);
    expect(first.path).toBe(join(work, 'a', '.out.lock'));
    expect(readFileSync(first.path, 'utf8').trim()).toBe(String(process.pid));
    const second = await lockOutput(out);
    await second.release();
    expect(existsSync(first.path)).toBe(true);
    await first.release();
    expect(existsSync(first.path)).toBe(false);
    expect(pendingCleanup()).toEqual([]);
  });

  it('refuses an output whose lock a live process holds, in one line naming it', async () => {
    const out = join(work, 'busy');
    // The parent of this test process is alive for as long as the test runs.
    writeFileSync(lockPathFor(out), `${process.ppid}\n`);
    const e = await lockOutput(out).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(OutputBusyError);
    expect((e as Error).message).toBe(`${out} is being written by another run (process ${process.ppid}, lock file ${lockPathFor(out)}); wait for it to finish, or delete the lock file if that process is not stieltjes`);
    rmSync(lockPathFor(out));
  });

  it("takes over a dead process's lock, and an empty one", async () => {
    const out = join(work, 'stale');
    writeFileSync(lockPathFor(out), `${deadPid()}\n`);
    const lock = await lockOutput(out);
    expect(readFileSync(lock.path, 'utf8').trim()).toBe(String(process.pid));
    await lock.release();
    expect(readdirSync(work).filter((f) => f.startsWith('.stale'))).toEqual([]);
    // What a kill between creating the lock and writing its pid leaves: an empty file.
    writeFileSync(lockPathFor(out), '');
    const again = await lockOutput(out);
    expect(readFileSync(again.path, 'utf8').trim()).toBe(String(process.pid));
    await again.release();
  });
});

describe('removeStaleTemporaries', () => {
  it("removes dead writers' partial folders and temporary files, and nothing else", async () => {
    const dir = join(work, 'leftovers');
    mkdirSync(dir);
    const dead = deadPid();
    const names = [`.out.partial-${dead}-abc123`, '.out.partial-Xy12zz', `.out.${dead}.0a1b2c3d.tmp`, `.out.partial-${process.ppid}-live00`, '.other.partial-1-x', 'out', '.out.lock.txt'];
    for (const n of names) (n.includes('partial') ? mkdirSync(join(dir, n)) : writeFileSync(join(dir, n), ''));
    const removed = await removeStaleTemporaries(join(dir, 'out'));
    expect(removed.map((p) => p.slice(dir.length + 1)).sort()).toEqual([`.out.${dead}.0a1b2c3d.tmp`, `.out.partial-${dead}-abc123`, '.out.partial-Xy12zz'].sort());
    expect(readdirSync(dir).sort()).toEqual([`.out.partial-${process.ppid}-live00`, '.other.partial-1-x', '.out.lock.txt', 'out'].sort());
  });
});

describe('writeFileAtomic', () => {
  it('writes, replaces and leaves no temporary file or cleanup registration', async () => {
    const path = join(work, 'file.bin');
    await writeFileAtomic(path, Uint8Array.of(1, 2, 3));
    await writeFileAtomic(path, Uint8Array.of(4));
    expect([...readFileSync(path)]).toEqual([4]);
    expect(readdirSync(work).filter((f) => f.includes('file.bin'))).toEqual(['file.bin']);
    expect(pendingCleanup()).toEqual([]);
  });
});

describe('removeOnSignal', () => {
  it('removes a registered folder when the process gets SIGTERM, and the process still ends by the signal', async () => {
    const bundle = join(work, 'signal-child.mjs');
    const entry = join(work, 'signal-child.ts');
    const temp = join(work, 'temporary-folder');
    writeFileSync(
      entry,
      `import { mkdirSync } from 'node:fs';
import { removeOnSignal } from ${JSON.stringify(join(__dirname, '..', '..', 'src', 'io', 'signal-cleanup.ts'))};
mkdirSync(${JSON.stringify(temp)});
removeOnSignal(${JSON.stringify(temp)});
process.stdout.write('ready\\n');
setInterval(() => {}, 1000);
`,
    );
    buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'silent' });
    const child = spawn(process.execPath, [bundle], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    expect(existsSync(temp)).toBe(true);
    const ended = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    child.kill('SIGTERM');
    expect(await ended).toBe('SIGTERM');
    expect(existsSync(temp)).toBe(false);
  });
});
