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
 * 2. for each distinct problem, each candidate setting (`candidateKnobs`) runs the op on scratch
 *    inputs of the same shapes (deterministic pseudo-random values). Candidates that produce the
 *    very same dispatches as one already measured are skipped (a knob that does not apply to a
 *    shape changes nothing); the rest are checked against the first candidate's output (a
 *    variant that disagrees is rejected and reported, never chosen) and timed back to back;
 * 3. the fastest candidate is kept for that problem if it beats the backend's own choice by
 *    more than 10%, confirmed by timing both again (less is within run-to-run noise); later ops
 *    of that problem use it.
 *
 * Choices are per problem key (op, shapes, strides, padding, fused bias/ReLU), so a model tuned
 * at one batch size keeps the defaults at another. `WebGpuBackend.tuning()` returns the choices
 * as a plain object, and `createWebGpuBackend({ tuning })` or `useTuning` restores them in a
 * later process (the CLI keeps them in a cache file per adapter: src/cli/tuning-cache.ts).
 */
import type { Conv2DParams, TensorInfo } from '../backend.js';
import { Random } from '../../tensor/random.js';
import { sizeOf, type Shape } from '../../tensor/shape.js';
import { bestBackToBack, dispatchSignature, type RecordedDispatch } from './dispatch-profiler.js';
import type { GpuExecutor } from './executor.js';
import { chunkLength, type GpuStorage } from './gpu-storage.js';
import { parseGemmKnob, type GemmProfile } from './kernels/register-block.js';
import type { AutotuneOptions, CandidateResult, TunedProblem, TuningReport } from '../tuning.js';

export type { AutotuneOptions, CandidateResult, TunedProblem, TuningReport };

/** One GEMM-shaped op as recorded: what is needed to run it again on other inputs. */
export interface GemmProblem {
  /** Identifies the problem: op, shapes and options (the key of `tuning()`). */
  key: string;
  /** Input shapes, in the order `run` takes them (null: an absent optional input, e.g. bias). */
  inputs: readonly (Shape | null)[];
  run(profile: GemmProfile, inputs: readonly (TensorInfo | null)[]): GpuStorage;
}

/**
 * Knobs worth trying: on GPUs the workgroup-memory kernel splitting K below more tiles, 32×32
 * tiles (four times the workgroups) with and without split-K, 64×64 tiles never split, 128×128
 * tiles, 128×64 tiles (for outputs of 64 columns), longer K steps (fewer barriers; 32×32 tiles with steps of 32 are TF.js's shape for
 * these convolutions), the same over the flattened K for channel counts no step divides (a
 * 3-channel first layer; elsewhere they change nothing and are skipped), and the direct kernels
 * with their own and with other block shapes (taller for the filter gradient, narrower for VGG's
 * 3-channel first layer); on software adapters the direct kernel's block shapes. See
 * register-block.ts for the knob syntax.
 */
export function candidateKnobs(cpuEmulated: boolean): string[] {
  return cpuEmulated
    ? ['16x2/8x8', '8x2/8x8', '8x4/8x8', '4x4/8x8', '4x2/8x8']
    : [
        'tiled:auto:1024:1024',
        'tiled:32:0',
        'tiled:32:1024:1024',
        'tiled:64:0',
        'tiled:128:0',
        'tiled:32:0:k32',
        'tiled:64:0:k32',
        'tiled:128:0:k16',
        'tiled:128x64:0',
        'tiled:64:0:anyk',
        'tiled:32:0:anyk',
        'tiled:32:0:k32:anyk',
        'direct',
        '8x2/16x16',
        '4x2/16x16',
        '4x4/16x16',
        '2x2/8x32',
        '1x4/4x64',
        '1x1/4x16',
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
  private readonly choices = new Map<string, { knob: string; profile: GemmProfile }>();
  /** Problems tuned (or given a choice), including those that kept 'auto'. */
  private readonly tuned = new Set<string>();
  /** While set, every GEMM-shaped op is also appended here. */
  recording: GemmProblem[] | null = null;

  constructor(readonly base: GemmProfile, initial: Readonly<Record<string, string>> = {}) {
    this.adopt(initial);
  }

  /** Adopts a table from `table()`; every knob is checked before any is taken. */
  adopt(table: Readonly<Record<string, string>>): void {
    checkTuningTable(table);
    for (const [key, knob] of Object.entries(table)) this.choose(key, knob);
  }

  /** The profile for a problem: its tuned choice, or the backend's own. */
  profileFor(key: string): GemmProfile {
    return this.choices.get(key)?.profile ?? this.base;
  }

  /** Records the problem while tuning, and returns the profile to run it with. */
  use(problem: GemmProblem): GemmProfile {
    this.recording?.push(problem);
    return this.profileFor(problem.key);
  }

  /** Whether the problem was tuned already (or given a choice). */
  has(key: string): boolean {
    return this.tuned.has(key);
  }

  choose(key: string, knob: string): void {
    this.tuned.add(key);
    if (knob === 'auto') this.choices.delete(key);
    else this.choices.set(key, { knob, profile: { cpuEmulated: this.base.cpuEmulated, ...parseGemmKnob(knob) } });
  }

  /** Every problem tuned, as { problem key: knob }, 'auto' where the backend's own choice was kept. */
  table(): Record<string, string> {
    return Object.fromEntries([...this.tuned].map((key) => [key, this.choices.get(key)?.knob ?? 'auto']));
  }
}

/** Throws, naming the problem, where a tuning table holds something that is not a knob. */
export function checkTuningTable(table: Readonly<Record<string, string>>): void {
  for (const [key, knob] of Object.entries(table)) {
    if (knob === 'auto') continue;
    try {
      parseGemmKnob(knob);
    } catch (e) {
      throw new Error(`webgpu tuning for '${key}': ${(e as Error).message}`);
    }
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
export async function autotuneWork(ex: GpuExecutor, tuner: GemmTuner, fn: () => unknown, opts: AutotuneOptions = {}): Promise<TuningReport> {
  if (tuner.recording) throw new Error('webgpu.autotune: already tuning');
  if (ex.recording) throw new Error('webgpu.autotune: cannot tune while a profile is being recorded');
  const knobs = ['auto', ...(opts.candidates ?? candidateKnobs(tuner.base.cpuEmulated)).filter((k) => k !== 'auto')];
  for (const k of knobs.slice(1)) {
    try {
      parseGemmKnob(k);
    } catch (e) {
      throw new Error(`webgpu.autotune: candidate '${k}': ${(e as Error).message}`);
    }
  }
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
  const problems: TunedProblem[] = [];
  let done = 0;
  for (const problem of distinct.values()) {
    problems.push(await tuneProblem(ex, tuner, problem, knobs));
    opts.onProgress?.(++done, distinct.size);
  }
  return { problems, changed: problems.filter((p) => p.chosen !== 'auto').length, ms: performance.now() - start };
}

async function tuneProblem(ex: GpuExecutor, tuner: GemmTuner, problem: GemmProblem, knobs: readonly string[]): Promise<TunedProblem> {
  const inputs = problem.inputs.map((shape, i) => (shape ? scratchInput(ex, shape, i + 1) : null));
  const launcher = (knob: string) => {
    const profile = knob === 'auto' ? tuner.base : { cpuEmulated: tuner.base.cpuEmulated, ...parseGemmKnob(knob) };
    return (): GpuStorage => problem.run(profile, inputs);
  };
  const candidates: CandidateResult[] = [];
  const seen = new Map<string, string>();
  let reference: Float32Array | null = null;
  let chosen = 'auto';
  try {
    for (const knob of knobs) {
      const launch = launcher(knob);
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
        if (knob === 'auto') throw e;
        candidates.push({ knob, skipped: `failed: ${(e as Error).message.split('\n')[0]}` });
        continue;
      }
      const signature = dispatchSignature(records);
      const same = seen.get(signature);
      if (same !== undefined) {
        candidates.push({ knob, skipped: `same kernels as ${same}` });
        continue;
      }
      seen.set(signature, knob);
      if (reference === null) reference = values;
      else {
        const err = relativeDifference(values, reference);
        if (!(err <= AGREEMENT)) {
          candidates.push({ knob, skipped: `result differs from auto's by ${err.toExponential(1)} of its largest value` });
          continue;
        }
      }
      candidates.push({ knob, ms: await timeLaunches(ex, launch) });
    }
    const auto = candidates[0]!;
    const best = candidates.reduce((a, c) => (c.ms !== undefined && c.ms < a.ms! ? c : a), auto);
    if (best !== auto && best.ms! < auto.ms! * MARGIN) {
      // Confirmed by timing both again, one after the other: a transient slowdown while the
      // default was first timed must not pick a variant.
      const autoAgain = await timeLaunches(ex, launcher(auto.knob));
      const bestAgain = await timeLaunches(ex, launcher(best.knob));
      if (bestAgain < autoAgain * MARGIN) chosen = best.knob;
      auto.ms = Math.min(auto.ms!, autoAgain);
      best.ms = Math.min(best.ms!, bestAgain);
    }
  } finally {
    for (const t of inputs) if (t) ex.free(t.storage as GpuStorage);
  }
  tuner.choose(problem.key, chosen);
  return { key: problem.key, chosen, candidates };
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
