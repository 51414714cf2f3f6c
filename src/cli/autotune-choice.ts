/**
 * --autotune for the long commands (explain, baseline): whether to tune the WebGPU kernels on the
 * first batch (WebGpuBackend.autotune), and a cache of the choices per adapter so that a GPU is
 * tuned once, not on every run. Tuning VGG19's shapes costs seconds on a real GPU, more than a
 * whole IG run there; with the cache, later runs pay nothing. The cache is one JSON file per
 * adapter in $STIELTJES_CACHE_DIR, else $XDG_CACHE_HOME/stieltjes, else ~/.cache/stieltjes, holding
 * the backend's versioned tuning table (src/kernels/webgpu/gemm-tuning-table.ts). A file from
 * another stieltjes version, a table of an older format, or a file that cannot be read is ignored
 * with a one-line notice (and replaced), never an error: it only costs the tuning it held.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Backend } from '../kernels/backend.js';
import type { TuningReport, TuningTable } from '../kernels/tuning.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { VERSION } from '../version.js';

export const AUTOTUNE_CHOICES = ['auto', 'on', 'off'] as const;
export type AutotuneChoice = (typeof AUTOTUNE_CHOICES)[number];

export const AUTOTUNE_HELP = `--autotune auto|on|off  time kernel variants on the first batch and keep the fastest
                          (WebGPU; cached per adapter in $STIELTJES_CACHE_DIR, else
                          ~/.cache/stieltjes; default auto: on for a GPU, off for software
                          adapters such as llvmpipe, where it costs more than it saves)`;

/** Whether to autotune: never where the backend cannot; 'auto' only on a real GPU. */
export function wantsAutotune(choice: AutotuneChoice, backend: Backend): boolean {
  if (!backend.autotune || choice === 'off') return false;
  return choice === 'on' || backend.info().softwareAdapter !== true;
}

export function tuningCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.STIELTJES_CACHE_DIR) return env.STIELTJES_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'stieltjes');
}

/** The cache file for an adapter: a readable prefix of its name, and a hash of all of it. */
export function tuningCachePath(adapter: string, dir = tuningCacheDir()): string {
  const slug = adapter.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 40).replace(/^-|-$/g, '');
  const hash = createHash('sha256').update(adapter).digest('hex').slice(0, 12);
  return join(dir, `tuning-${slug}-${hash}.json`);
}

interface CacheFile {
  stieltjes: string;
  adapter: string;
  tuning: TuningTable;
}

/** What the commands get: options for the attribution call, then `finish` for result.json. */
export interface CliAutotune {
  /** Pass as the attribution function's onAutotuned. */
  onAutotuned(report: TuningReport): void;
  /** Saves new choices to the cache; returns the summary for result.json. */
  finish(): Promise<AutotuneSummary>;
}

export interface AutotuneSummary {
  /** Kernel shapes tuned in this run, and how many of them changed from the defaults. */
  kernels: number;
  changed: number;
  seconds: number;
  /** Shapes whose choices came from the cache. */
  cached: number;
  cacheFile: string;
  /** The choices in force that differ from the defaults (this run's and the cache's). */
  choices: Record<string, unknown>;
}

/**
 * Starts autotuning for a command, or returns null when it is off: loads the adapter's cached
 * choices into the backend and says how many.
 */
export async function startAutotune(choice: AutotuneChoice, backend: Backend, say: (line: string) => void): Promise<CliAutotune | null> {
  if (!backend.tuning || !backend.useTuning || !wantsAutotune(choice, backend)) return null;
  const b = backend as Backend & Required<Pick<Backend, 'tuning' | 'useTuning'>>;
  const adapter = backend.info().adapter ?? 'unknown adapter';
  const path = tuningCachePath(adapter);
  const cached = await readCache(path, adapter, say);
  if (cached) {
    try {
      const notice = b.useTuning(cached);
      if (notice) say(`kernel tuning: ignoring ${path}: ${notice}`);
      else say(`kernel tuning: ${Object.keys(cached.choices ?? {}).length} shapes from ${path}`);
    } catch (e) {
      say(`kernel tuning: ignoring ${path}: ${(e as Error).message}`);
    }
  }
  const cachedCount = Object.keys(b.tuning().choices).length;
  let report: TuningReport | null = null;
  return {
    onAutotuned(r) {
      report = r;
      if (r.problems.length > 0) say(`autotuned ${r.problems.length} kernel shapes in ${(r.ms / 1000).toFixed(1)} s (${r.changed} changed from the defaults)`);
    },
    async finish() {
      const table = b.tuning();
      const tuned = report?.problems.length ?? 0;
      if (tuned > 0) {
        const file: CacheFile = { stieltjes: VERSION, adapter, tuning: table };
        try {
          await mkdir(tuningCacheDir(), { recursive: true });
          await writeFileAtomic(path, new TextEncoder().encode(`${JSON.stringify(file, null, 1)}\n`));
          say(`kernel tuning saved to ${path}`);
        } catch (e) {
          // A cache that cannot be written costs the next run its tuning, nothing else.
          say(`kernel tuning not saved: ${(e as Error).message}`);
        }
      }
      return {
        kernels: tuned,
        changed: report?.changed ?? 0,
        seconds: Math.round(report?.ms ?? 0) / 1000,
        cached: cachedCount,
        cacheFile: path,
        choices: Object.fromEntries(Object.entries(table.choices).filter(([, c]) => !isBackendDefault(c))),
      };
    },
  };
}

/** Whether a choice is the backend's own ({ family: 'auto' } in the WebGPU backend's tables). */
function isBackendDefault(choice: unknown): boolean {
  return (choice as { family?: unknown } | null)?.family === 'auto';
}

/** The cached table, or null (no cache, or one to ignore: said in one line). */
async function readCache(path: string, adapter: string, say: (line: string) => void): Promise<Partial<TuningTable> | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return null; // no cache yet
  }
  try {
    const file = JSON.parse(text) as Partial<CacheFile>;
    if (file.adapter !== adapter) throw new Error('written for another adapter');
    if (file.stieltjes !== VERSION) throw new Error(`written by stieltjes ${file.stieltjes ?? '(unknown)'}, this is ${VERSION}; it will be replaced`);
    const t = file.tuning;
    if (!t || typeof t !== 'object') throw new Error('no tuning table');
    // The backend checks the table's format and version (useTuning), and says why it ignores one.
    return t;
  } catch (e) {
    say(`kernel tuning: ignoring ${path}: ${(e as Error).message}`);
    return null;
  }
}
