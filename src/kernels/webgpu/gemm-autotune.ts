/**
 * Autotuning the GEMM-shaped kernels (matmul, conv2d and its two gradients) on the device in
 * hand: `WebGpuBackend.autotune(fn)`.
 *
 * Why: which kernel variant is fastest for a shape depends on the GPU. On an H200 the 64×64
 * tiles chosen for VGG19's batch-1 convolutions left most of its 132 multiprocessors idle on some
 * layers and not on others; smaller tiles or splitting K win there and lose at batch 8, and no
 * fixed rule measured right everywhere. Rather than a table per GPU model, the backend measures:
 *
 * 1. `fn` runs as usual while every GEMM-shaped op it makes is recorded (op, shapes, options);
 * 2. for each distinct problem, each candidate GemmChoice (`candidateChoices`) runs the op on
 *    scratch inputs of the same shapes (deterministic pseudo-random values). Candidates that
 *    produce the very same dispatches as one already measured are skipped (a choice that does not
 *    apply to a shape changes nothing); the rest are checked against the first candidate's output (a
 *    variant that disagrees is rejected and reported, never chosen) and timed back to back;
 * 3. the fastest candidate is kept for that problem if it beats the backend's own choice by
 *    more than 10%, confirmed by timing both again (less is within run-to-run noise); later ops
 *    of that problem use it.
 *
 * Choices are per problem key (op, shapes, strides, padding, fused bias/ReLU), so a model tuned
 * at one batch size keeps the defaults at another. `WebGpuBackend.tuning()` returns the choices
 * as a versioned JSON table (gemm-tuning-table.ts), and `createWebGpuBackend({ tuning })` or `useTuning` restores them in a
 * later process (the CLI keeps them in a cache file per adapter: src/cli/tuning-cache.ts).
 */
import type { Conv2DParams, TensorInfo } from '../backend.js';
import { Random } from '../../tensor/random.js';
import { sizeOf, type Shape } from '../../tensor/shape.js';
import { bestBackToBack, dispatchSignature, type RecordedDispatch } from './dispatch-profiler.js';
import type { GpuExecutor } from './executor.js';
import { chunkLength, type GpuStorage } from './gpu-storage.js';
import { AUTO, checkGemmChoice, type GemmChoice, type Tiling, type TileShape } from './gemm-choice.js';
import { formatGemmChoice } from './gemm-choice-text.js';
import type { GemmSelection } from './gemm-plan.js';
import { gemmTuningTable, type GemmTuningTable } from './gemm-tuning-table.js';
import type { AutotuneOptions, CandidateResult, TunedProblem, TuningReport } from '../tuning.js';

export type GemmAutotuneOptions = AutotuneOptions<GemmChoice>;
export type GemmCandidateResult = CandidateResult<GemmChoice>;
export type GemmTunedProblem = TunedProblem<GemmChoice>;
export type GemmTuningReport = TuningReport<GemmChoice>;

/** One GEMM-shaped op as recorded: what is needed to run it again on other inputs. */
export interface GemmProblem {
  /** Identifies the problem: op, shapes and options (the key of `tuning()`). */
  key: string;
  /** Input shapes, in the order `run` takes them (null: an absent optional input, e.g. bias). */
  inputs: readonly (Shape | null)[];
  run(gemm: GemmSelection, inputs: readonly (TensorInfo | null)[]): GpuStorage;
}

const block = (RM: number, CN: number, WX: number, WY: number): GemmChoice => ({ family: 'direct', block: { RM, CN, WX, WY } satisfies Tiling });
const tiled = (tile: TileShape | undefined, fillWorkgroups: number, more: { splitBelow?: number; kStep?: 8 | 16 | 32; flatK?: boolean } = {}): GemmChoice => ({
  family: 'tiled',
  ...(tile ? { tile } : {}),
  fillWorkgroups,
  ...more,
});
const T32: TileShape = { rows: 32, cols: 32 };
const T64: TileShape = { rows: 64, cols: 64 };
const T128: TileShape = { rows: 128, cols: 128 };

/**
 * Choices worth trying: on GPUs the workgroup-memory kernel splitting K below more tiles, 32×32
 * tiles (four times the workgroups) with and without split-K, 64×64 tiles never split, 128×128
 * tiles, 128×64 tiles (for outputs of 64 columns), longer K steps (fewer barriers; 32×32 tiles
 * with steps of 32 are TF.js's shape for these convolutions), the same over the flattened K for
 * channel counts no step divides (a 3-channel first layer; elsewhere they change nothing and are
 * skipped), and the direct kernels with their own and with other block shapes (taller for the
 * filter gradient, narrower for VGG's 3-channel first layer); on software adapters the direct
 * kernel's block shapes.
 */
export function candidateChoices(softwareAdapter: boolean): GemmChoice[] {
  return softwareAdapter
    ? [block(16, 2, 8, 8), block(8, 2, 8, 8), block(8, 4, 8, 8), block(4, 4, 8, 8), block(4, 2, 8, 8)]
    : [
        tiled(undefined, 1024, { splitBelow: 1024 }),
        tiled(T32, 0),
        tiled(T32, 1024, { splitBelow: 1024 }),
        tiled(T64, 0),
        tiled(T128, 0),
        tiled(T32, 0, { kStep: 32 }),
        tiled(T64, 0, { kStep: 32 }),
        tiled(T128, 0, { kStep: 16 }),
        tiled({ rows: 128, cols: 64 }, 0),
        tiled(T64, 0, { flatK: true }),
        tiled(T32, 0, { flatK: true }),
        tiled(T32, 0, { kStep: 32, flatK: true }),
        { family: 'direct' },
        block(8, 2, 16, 16),
        block(4, 2, 16, 16),
        block(4, 4, 16, 16),
        block(2, 2, 8, 32),
        block(1, 4, 4, 64),
        block(1, 1, 4, 16),
      ];
}

/**
 * A variant must beat the default's time by this factor, twice (see tuneProblem): smaller gains
 * are within the run-to-run noise of short kernels (±10–20% on llvmpipe).
 */
const MARGIN = 0.9;
/** Per timed run, about this much work (launches back to back); from 25 ms up, one launch. */
const TARGET_MS = 5;
const MAX_LAUNCHES = 100;
/** Worst |difference| / max |reference| accepted between two variants (float32 sums in another order). */
const AGREEMENT = 1e-3;

/** Per-problem choices, consulted by the backend before each GEMM-shaped op. */
export class GemmTuner {
  /** Choices other than the backend's own. */
  private readonly choices = new Map<string, GemmChoice>();
  /** Problems tuned (or given a choice), including those that kept the backend's own. */
  private readonly tuned = new Set<string>();
  /** While set, every GEMM-shaped op is also appended here. */
  recording: GemmProblem[] | null = null;

  /** `base`: the adapter's kind and the choice for problems without one ('auto' unless forced). */
  constructor(readonly base: GemmSelection) {}

  /** Adopts choices (from a table read by readGemmTuningTable). */
  adopt(choices: ReadonlyMap<string, GemmChoice>): void {
    for (const [key, choice] of choices) this.choose(key, choice);
  }

  /** The selection for a problem: its tuned choice, or the backend's own. */
  selectionFor(key: string): GemmSelection {
    const choice = this.choices.get(key);
    return choice ? { softwareAdapter: this.base.softwareAdapter, choice } : this.base;
  }

  /** Records the problem while tuning, and returns the selection to run it with. */
  use(problem: GemmProblem): GemmSelection {
    this.recording?.push(problem);
    return this.selectionFor(problem.key);
  }

  /** Whether the problem was tuned already (or given a choice). */
  has(key: string): boolean {
    return this.tuned.has(key);
  }

  choose(key: string, choice: GemmChoice): void {
    this.tuned.add(key);
    if (choice.family === 'auto') this.choices.delete(key);
    else this.choices.set(key, choice);
  }

  /** Every problem tuned, its choice { family: 'auto' } where the backend's own was kept. */
  table(): GemmTuningTable {
    return gemmTuningTable(Object.fromEntries([...this.tuned].map((key) => [key, this.choices.get(key) ?? AUTO])));
  }
}

/** The key of a conv2d-family problem: op, shapes, strides, dilations, padding and fused options. */
export function convKey(op: string, shapes: readonly (Shape | null)[], p: Conv2DParams, extra = ''): string {
  const s = shapes.map((sh) => (sh ? `[${sh.join(',')}]` : '-')).join(' ');
  const { top, bottom, left, right } = p.pad;
  return `${op} ${s} s${p.strides.join(',')} d${p.dilations.join(',')} p${top},${bottom},${left},${right} o${p.outHeight}x${p.outWidth}${extra ? ` ${extra}` : ''}`;
}

/**
 * Runs `fn` (awaited) while recording its GEMM-shaped ops, then tunes each distinct one (see the
 * file comment). A failing `fn` ends the recording and its error is passed on.
 */
export async function autotuneWork(ex: GpuExecutor, tuner: GemmTuner, fn: () => unknown, opts: GemmAutotuneOptions = {}): Promise<GemmTuningReport> {
  if (tuner.recording) throw new Error('webgpu.autotune: already tuning');
  if (ex.recording) throw new Error('webgpu.autotune: cannot tune while a profile is being recorded');
  // Candidates may come from JavaScript or JSON: checked before anything runs.
  const given = (opts.candidates ?? candidateChoices(tuner.base.softwareAdapter)).map((c, i) => {
    try {
      return checkGemmChoice(c);
    } catch (e) {
      throw new Error(`webgpu.autotune: candidate ${i + 1}: ${(e as Error).message}`);
    }
  });
  const choices = [AUTO, ...given.filter((c) => c.family !== 'auto')];
  const recorded: GemmProblem[] = [];
  tuner.recording = recorded;
  try {
    await fn();
  } finally {
    tuner.recording = null;
  }
  const start = performance.now();
  await ex.sync('webgpu.autotune');
  const distinct = new Map<string, GemmProblem>();
  for (const p of recorded) if (!distinct.has(p.key) && (opts.retune || !tuner.has(p.key))) distinct.set(p.key, p);
  const problems: GemmTunedProblem[] = [];
  let done = 0;
  for (const problem of distinct.values()) {
    problems.push(await tuneProblem(ex, tuner, problem, choices));
    opts.onProgress?.(++done, distinct.size);
  }
  return { problems, changed: problems.filter((p) => p.changed).length, ms: performance.now() - start };
}

async function tuneProblem(ex: GpuExecutor, tuner: GemmTuner, problem: GemmProblem, choices: readonly GemmChoice[]): Promise<GemmTunedProblem> {
  const inputs = problem.inputs.map((shape, i) => (shape ? scratchInput(ex, shape, i + 1) : null));
  const launcher = (choice: GemmChoice) => {
    const gemm = choice.family === 'auto' ? tuner.base : { softwareAdapter: tuner.base.softwareAdapter, choice };
    return (): GpuStorage => problem.run(gemm, inputs);
  };
  const candidates: GemmCandidateResult[] = [];
  const seen = new Map<string, GemmChoice>();
  let reference: Float32Array | null = null;
  let chosen: GemmChoice = AUTO;
  try {
    for (const choice of choices) {
      const launch = launcher(choice);
      // The first run compiles, records the dispatches (to spot duplicates) and gives the values.
      const records: RecordedDispatch[] = [];
      let values: Float32Array;
      try {
        ex.recording = records;
        let out: GpuStorage;
        try {
          out = launch();
        } finally {
          ex.recording = null;
        }
        values = await ex.read('webgpu.autotune', out);
        ex.free(out);
      } catch (e) {
        // A variant this adapter refuses (a shader it cannot compile, a limit) is passed over;
        // the default already ran in fn, so its failure, or a lost device, is passed on.
        ex.checkUsable('webgpu.autotune');
        if (choice.family === 'auto') throw e;
        candidates.push({ choice, skipped: `failed: ${(e as Error).message.split('\n')[0]}` });
        continue;
      }
      const signature = dispatchSignature(records);
      const same = seen.get(signature);
      if (same !== undefined) {
        candidates.push({ choice, skipped: `same kernels as ${formatGemmChoice(same)}` });
        continue;
      }
      seen.set(signature, choice);
      if (reference === null) reference = values;
      else {
        const err = relativeDifference(values, reference);
        if (!(err <= AGREEMENT)) {
          candidates.push({ choice, skipped: `result differs from auto's by ${err.toExponential(1)} of its largest value` });
          continue;
        }
      }
      candidates.push({ choice, ms: await timeLaunches(ex, launch) });
    }
    const auto = candidates[0]!;
    const best = candidates.reduce((a, c) => (c.ms !== undefined && c.ms < a.ms! ? c : a), auto);
    if (best !== auto && best.ms! < auto.ms! * MARGIN) {
      // Confirmed by timing both again, one after the other: a transient slowdown while the
      // default was first timed must not pick a variant.
      const autoAgain = await timeLaunches(ex, launcher(auto.choice));
      const bestAgain = await timeLaunches(ex, launcher(best.choice));
      if (bestAgain < autoAgain * MARGIN) chosen = best.choice;
      auto.ms = Math.min(auto.ms!, autoAgain);
      best.ms = Math.min(best.ms!, bestAgain);
    }
  } finally {
    for (const t of inputs) if (t) ex.free(t.storage as GpuStorage);
  }
  tuner.choose(problem.key, chosen);
  return { key: problem.key, chosen, chosenName: formatGemmChoice(chosen), changed: chosen.family !== 'auto', candidates };
}

/** Time per launch of the op, launched back to back (bestBackToBack), ms. */
function timeLaunches(ex: GpuExecutor, launch: () => GpuStorage): Promise<number> {
  return bestBackToBack(async (launches) => {
    const t = performance.now();
    for (let i = 0; i < launches; i++) ex.free(launch());
    await ex.sync('webgpu.autotune');
    return (performance.now() - t) / launches;
  }, TARGET_MS, MAX_LAUNCHES);
}

/** Values written to scratch inputs: a block of this many (a prime, so rows do not line up with it), repeated. */
const PATTERN_ELEMS = 65_521;

/** Storage for an input of `shape`, filled with uniform values in [-1, 1) from `seed`. */
function scratchInput(ex: GpuExecutor, shape: Shape, seed: number): TensorInfo {
  const size = sizeOf(shape);
  const storage = ex.alloc(size);
  const rng = new Random(seed);
  const pattern = new Float32Array(Math.min(size, PATTERN_ELEMS));
  for (let i = 0; i < pattern.length; i++) pattern[i] = rng.uniform(-1, 1);
  ex.flush();
  storage.chunks.forEach((buffer, k) => {
    const len = chunkLength(storage, k);
    for (let at = 0; at < len; at += pattern.length) {
      const n = Math.min(pattern.length, len - at);
      ex.device.queue.writeBuffer(buffer, at * 4, pattern.buffer, 0, n * 4);
    }
  });
  return { storage, shape, dtype: 'float32' };
}

/** max |got − ref| / max |ref| (Infinity when the lengths differ or a value is not finite). */
function relativeDifference(got: Float32Array, ref: Float32Array): number {
  if (got.length !== ref.length) return Infinity;
  let scale = 0;
  let err = 0;
  for (let i = 0; i < ref.length; i++) {
    scale = Math.max(scale, Math.abs(ref[i]!));
    const d = Math.abs(got[i]! - ref[i]!);
    if (Number.isNaN(d)) return Infinity;
    err = Math.max(err, d);
  }
  return err / (scale || 1);
}
