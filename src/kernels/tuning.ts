/**
 * Kernel tuning as the rest of the library sees it: what a backend that can tune its kernels to
 * the device in hand reports (the WebGPU backend; src/kernels/webgpu/gemm-autotune.ts). Backends
 * that cannot (the CPU) leave `Backend.autotune` undefined, and callers skip tuning. `C` is the
 * backend's own type of choice (the WebGPU backend's GemmChoice), plain JSON-safe data.
 */

export interface CandidateResult<C = unknown> {
  /** The choice timed: the backend's own ('auto') or another. */
  choice: C;
  /** Best time per launch, ms; absent when not timed. */
  ms?: number;
  /** Why it was not timed: the same kernels as another candidate, a result that disagrees, or a failure. */
  skipped?: string;
}

export interface TunedProblem<C = unknown> {
  key: string;
  /** The choice now used for this problem (the backend's own where none beat it). */
  chosen: C;
  /** The same in the backend's notation for people (WebGPU: e.g. 'tiled:32:0', 'auto'), for printing only. */
  chosenName: string;
  /** Whether `chosen` differs from the backend's own choice. */
  changed: boolean;
  candidates: CandidateResult<C>[];
}

export interface TuningReport<C = unknown> {
  problems: TunedProblem<C>[];
  /** Problems whose choice changed from the backend's own. */
  changed: number;
  /** Wall time of the tuning (after `fn`), ms. */
  ms: number;
}

export interface AutotuneOptions<C = unknown> {
  /** Choices to try besides the backend's own (default: the backend's candidates for its adapter). */
  candidates?: readonly C[];
  /** Progress over the distinct problems being tuned. */
  onProgress?: (done: number, total: number) => void;
  /** Tune problems that already have a choice again (default false: they are skipped). */
  retune?: boolean;
}

/**
 * What `Backend.tuning()` returns and `useTuning` takes: JSON, identified by `format` and
 * `version` so that a table from another backend or an older release is recognised and ignored.
 */
export interface TuningTable<C = unknown> {
  format: string;
  version: number;
  /** { problem key: choice } for every problem tuned. */
  choices: Record<string, C>;
}
