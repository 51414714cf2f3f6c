/**
 * Kernel tuning as the rest of the library sees it: what a backend that can tune its kernels to
 * the device in hand reports (the WebGPU backend; src/kernels/webgpu/gemm-autotune.ts). Backends
 * that cannot (the CPU) leave `Backend.autotune` undefined, and callers skip tuning.
 */

export interface CandidateResult {
  /** 'auto' (the backend's own choice) or a gemmTiling knob. */
  knob: string;
  /** Best time per launch, ms; absent when not timed. */
  ms?: number;
  /** Why it was not timed: the same kernels as another candidate, a result that disagrees, or a failure. */
  skipped?: string;
}

export interface TunedProblem {
  key: string;
  /** The knob now used for this problem ('auto': the backend's own choice was kept). */
  chosen: string;
  candidates: CandidateResult[];
}

export interface TuningReport {
  problems: TunedProblem[];
  /** Problems whose choice changed from 'auto'. */
  changed: number;
  /** Wall time of the tuning (after `fn`), ms. */
  ms: number;
}

export interface AutotuneOptions {
  /** Knobs to try besides 'auto' (default: `candidateKnobs` for the adapter's profile). */
  candidates?: readonly string[];
  /** Progress over the distinct problems being tuned. */
  onProgress?: (done: number, total: number) => void;
  /** Tune problems that already have a choice again (default false: they are skipped). */
  retune?: boolean;
}

