/**
 * Kernel autotuning for the long attribution methods: with `autotune: true`, the first batch (or
 * iteration) runs under the WebGPU backend's `autotune`, which records the convolutions and
 * matrix products it makes and then times their kernel variants on this GPU (see
 * src/kernels/webgpu/gemm-autotune.ts). The remaining batches, usually dozens of passes of the same
 * shapes, run on the fastest variants. The first batch's results are used as computed, so tuning
 * costs only the timing. On backends without autotuning (the CPU) the option does nothing.
 */
import type { Backend } from '../kernels/backend.js';
import type { TuningReport } from '../kernels/tuning.js';
import type { LongRunOptions } from './progress.js';

export type { TuningReport };

/** Options of the attribution functions that run many batches of the same shapes. */
export interface TunableRunOptions extends LongRunOptions {
  /**
   * WebGPU: after the first batch, time the kernel variants of its convolutions and products on
   * this GPU and run the rest on the fastest (progress phase 'autotune'). Worth it for runs of
   * many batches on a real GPU; ignored where the backend cannot tune (the CPU). Default false.
   */
  autotune?: boolean;
  /** Called with what autotuning measured and chose. */
  onAutotuned?: (report: TuningReport) => void;
}

/** Runs `step` (synchronous work, e.g. one batch inside a scope), under the autotuner when asked. */
export async function maybeAutotuned<T>(backend: Backend, opts: TunableRunOptions, step: () => T): Promise<T> {
  if (!opts.autotune || !backend.autotune) return step();
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
