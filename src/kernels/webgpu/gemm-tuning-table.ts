/**
 * The WebGPU backend's tuning table: what `tuning()` returns, `useTuning()` and
 * `createWebGpuBackend({ tuning })` take, and the CLI caches per adapter. JSON, with a format
 * name and a version, so that a table written by an older release (version 0: a bare
 * { problem key: text } object) or by something else is recognised as such and ignored
 * with a one-line reason instead of being misread. Bump the version when GemmChoice changes
 * meaning.
 */
import type { TuningTable } from '../tuning.js';
import { checkGemmChoice, type GemmChoice } from './gemm-choice.js';

export const GEMM_TUNING_FORMAT = 'stieltjes-webgpu-gemm';
export const GEMM_TUNING_VERSION = 1;

export interface GemmTuningTable extends TuningTable<GemmChoice> {
  format: typeof GEMM_TUNING_FORMAT;
  version: typeof GEMM_TUNING_VERSION;
}

export function gemmTuningTable(choices: Record<string, GemmChoice>): GemmTuningTable {
  return { format: GEMM_TUNING_FORMAT, version: GEMM_TUNING_VERSION, choices };
}

/**
 * The choices of a table, or why it is ignored (another format or version). A table of this
 * format and version with an entry that is not a GemmChoice is corrupt: that throws, naming it.
 */
export function readGemmTuningTable(value: unknown): { choices: Map<string, GemmChoice> } | { ignored: string } {
  const t = value as Partial<TuningTable> | null;
  if (typeof t !== 'object' || t === null) return { ignored: 'not a tuning table' };
  if (t.format !== GEMM_TUNING_FORMAT || typeof t.version !== 'number') {
    const old = t.format === undefined && Object.values(t).every((v) => typeof v === 'string');
    return { ignored: old ? 'a tuning table from an older release (no version)' : 'not a WebGPU GEMM tuning table' };
  }
  if (t.version !== GEMM_TUNING_VERSION) return { ignored: `tuning table version ${t.version}, this release reads version ${GEMM_TUNING_VERSION}` };
  if (typeof t.choices !== 'object' || t.choices === null) throw new Error('webgpu tuning table: no choices');
  const choices = new Map<string, GemmChoice>();
  for (const [key, c] of Object.entries(t.choices)) {
    try {
      choices.set(key, checkGemmChoice(c));
    } catch (e) {
      throw new Error(`webgpu tuning for '${key}': ${(e as Error).message}`);
    }
  }
  return { choices };
}
