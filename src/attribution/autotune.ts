/**
 * Kernel autotuning for the long attribution methods: with `autotune: true`, the first batch (or
 * iteration) runs under the WebGPU backend's `autotune`, which records the convolutions and
 * matrix products it makes and then times their kernel variants on this GPU (see
 * src/kernels/webgpu/gemm-autotune.ts). The remaining batches, usually dozens of passes of the same
 * shapes, run on the fastest variants. The first batch's results are used as computed, so tuning
 * costs only the timing. On backends without autotuning (the CPU) the option does nothing.
 */
import type { Backend } from '../kernels/backend.js';
import type { TuningReport } from '../kernels/webgpu/gemm-autotune.js';
import type { LongRunOptions } from './progress.js';

export type { TuningReport };

interface Tunable {
  autotune(fn: () => unknown, opts?: { onProgress?: (done: number, total: number) => void }): Promise<TuningReport>;
}

function tunable(backend: Backend): backend is Backend & Tunable {
  return typeof (backend as Partial<Tunable>).autotune === 'function';
}

/** Runs `step` (synchronous work, e.g. one batch inside a scope), under the autotuner when asked. */
export async function maybeAutotuned<T>(backend: Backend, opts: LongRunOptions, step: () => T): Promise<T> {
  if (!opts.autotune || !tunable(backend)) return step();
  let result: T | undefined;
  const report = await backend.autotune(
    () => {
      result = step();
    },
    { onProgress: (done, total) => opts.onProgress?.({ phase: 'autotune', done, total }) },
  );
  opts.onAutotuned?.(report);
  return result as T;
}
