/**
 * Temporary files and folders removed when the process is interrupted (SIGINT, SIGTERM, SIGHUP)
 * or exits while they exist. NODE-ONLY. Handlers are installed only while something is
 * registered, so a library user's process keeps its own signal behaviour the rest of the time;
 * after cleaning up, the signal is raised again so the process ends as it would have.
 * (kill -9 cannot be caught: the next run removes what it leaves, see output-lock.ts.)
 */
import { rmSync } from 'node:fs';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const registered = new Set<string>();

function cleanupNow(): void {
  for (const p of registered) {
    try {
      rmSync(p, { recursive: true, force: true });
    } catch {
      // Best effort: the process is ending, and the next run removes leftovers.
    }
  }
  registered.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  cleanupNow();
  uninstall();
  process.kill(process.pid, signal);
}

function install(): void {
  for (const s of SIGNALS) process.on(s, onSignal);
  process.on('exit', cleanupNow);
}

function uninstall(): void {
  for (const s of SIGNALS) process.off(s, onSignal);
  process.off('exit', cleanupNow);
}

/** Registers `path` for removal on a signal or exit; call the function returned once it is dealt with. */
export function removeOnSignal(path: string): () => void {
  if (registered.size === 0) install();
  registered.add(path);
  return () => {
    if (!registered.delete(path)) return;
    if (registered.size === 0) uninstall();
  };
}

/** The paths registered now (for tests). */
export function pendingCleanup(): string[] {
  return [...registered];
}
