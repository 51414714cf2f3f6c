/**
 * Timing one kernel: a warm-up run (JIT compilation, pipeline creation, first-touch page
 * faults), then timed runs until both a minimum count and a time budget are reached, reporting
 * the median. A kernel whose warm-up alone exceeds `singleRunMs` is reported from that one run:
 * on the CPU the largest convolutions take seconds, and their JIT warm-up is a small part of it.
 *
 * Kernels only enqueue work on the GPU, so each run ends by reading back one element of its
 * output: the read waits for everything before it, without timing a full read-back. On a real
 * GPU that wait (a map round trip, tens to hundreds of µs) can exceed the kernel itself, so a
 * kernel faster than `REPEAT_BELOW_MS` is launched several times back to back per timed run and
 * the time divided: the GPU then runs the launches one after another, as in a model, and the
 * round trip is paid once. Such a kernel also runs untimed for `SPIN_UP_MS` first: a GPU left
 * idle while the case was prepared has lowered its clocks (an H200 idles at 345 MHz against
 * 1980 MHz under load), and the first timed runs would otherwise be taken at a low clock.
 */
import type { Backend, TensorInfo } from '../kernels/backend.js';
import type { WebGpuBackend } from '../kernels/webgpu/webgpu-backend.js';
import { sizeOf } from '../tensor/shape.js';

export interface TimingOptions {
  /** Keep timing until this much time was spent (after minRuns). */
  budgetMs: number;
  minRuns: number;
  maxRuns: number;
  /** A warm-up longer than this is the result (one run). */
  singleRunMs: number;
}

export interface Timing {
  /** Median milliseconds per run. */
  ms: number;
  runs: number;
  /** Fastest and slowest timed run (equal to ms for a single run). */
  minMs: number;
  maxMs: number;
}

/** True when the runs spread by more than 25% around the median (a noisy or loaded machine). */
export function isNoisy(t: Timing): boolean {
  return t.runs > 1 && (t.maxMs - t.minMs) / t.ms > 0.25;
}

/** Kernels faster than this are repeated within one timed run (see the file comment). */
export const REPEAT_BELOW_MS = 10;

/** Untimed running before a fast kernel is timed (see the file comment). */
export const SPIN_UP_MS = 200;

/** Runs `run` (which returns ms per launch for `reps` launches) untimed for `ms`. */
export async function spinUp(run: (reps: number) => Promise<number>, reps: number, ms = SPIN_UP_MS): Promise<void> {
  if (reps <= 1) return;
  for (let spent = 0; spent < ms; ) spent += (await run(reps)) * reps;
}

/** Launches per timed run for a kernel that took `probeMs` once (at most 200). */
export function repeatsFor(probeMs: number): number {
  return probeMs >= REPEAT_BELOW_MS ? 1 : Math.min(200, Math.ceil(REPEAT_BELOW_MS / Math.max(probeMs, 0.05)));
}

/**
 * Launches the kernel `reps` times, waits for the last to finish and frees the outputs;
 * returns milliseconds per launch. (Freeing an output the GPU has not written yet is safe: a
 * buffer handed out again is only written by work queued after it.)
 */
export async function timeOnce(backend: Backend, launch: () => TensorInfo, reps = 1): Promise<number> {
  const start = performance.now();
  let out = launch();
  for (let i = 1; i < reps; i++) {
    backend.free(out.storage, out.dtype, sizeOf(out.shape));
    out = launch();
  }
  await waitFor(backend, out);
  const ms = performance.now() - start;
  backend.free(out.storage, out.dtype, sizeOf(out.shape));
  return ms / reps;
}

export function timeKernel(backend: Backend, launch: () => TensorInfo, opts: TimingOptions): Promise<Timing> {
  return timeRuns((reps) => timeOnce(backend, launch, reps), opts);
}

/**
 * The timing rule of the file comment for any launcher: `once(reps)` launches `reps` times back
 * to back, waits, and returns milliseconds per launch (timeOnce for our backends; the TF.js
 * comparison passes its own).
 */
export async function timeRuns(once: (reps: number) => Promise<number>, opts: TimingOptions): Promise<Timing> {
  const warm = await once(1);
  if (warm > opts.singleRunMs) return { ms: warm, runs: 1, minMs: warm, maxMs: warm };
  const reps = repeatsFor(await once(1));
  await spinUp(once, reps);
  const samples: number[] = [];
  let spent = 0;
  while (samples.length < opts.maxRuns && (samples.length < opts.minRuns || spent < opts.budgetMs)) {
    const ms = await once(reps);
    samples.push(ms);
    spent += ms * reps;
  }
  return { ms: median(samples), runs: samples.length, minMs: Math.min(...samples), maxMs: Math.max(...samples) };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Reads one element of `out` (see the file comment). */
async function waitFor(backend: Backend, out: TensorInfo): Promise<void> {
  if (sizeOf(out.shape) === 0) return;
  const ones = out.shape.map(() => 1);
  const one = backend.slice(out, out.shape.map(() => 0), ones);
  await backend.read({ storage: one, shape: ones, dtype: out.dtype });
  backend.free(one, out.dtype, 1);
}

/** A backend that times its kernels by GPU timestamps (WebGpuBackend where canTimeKernels()). */
export type KernelTimer = Backend & Pick<WebGpuBackend, 'timeKernels'>;

/**
 * GPU milliseconds of one launch by timestamps (all its dispatches), median over `launches`
 * launches each timed on its own: the kernels' time without the host's (submission, waits).
 */
export async function medianKernelMs(backend: KernelTimer, launch: () => TensorInfo, launches: number): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < launches; i++) ms.push(await kernelMsOnce(backend, launch));
  return median(ms);
}

/** GPU milliseconds of one launch by timestamps. */
export async function kernelMsOnce(backend: KernelTimer, launch: () => TensorInfo): Promise<number> {
  const r = await backend.timeKernels(() => {
    const out = launch();
    backend.free(out.storage, out.dtype, sizeOf(out.shape));
  });
  return r.totalMs;
}
