/**
 * Shared set-up for the WebGPU kernel tests.
 *
 * `describeWebGpu` runs a suite against a fresh WebGPU backend. Where no adapter exists the suite
 * is skipped with the reason, except on CI (CI=true), where a missing adapter fails: CI installs
 * Mesa precisely so that these tests run. `runBoth` runs one kernel on the WebGPU backend
 * (float32) and on the CPU backend (float64, the oracle) from the same float32 inputs.
 */
// Mesa's EGL needs a platform without a display server; set before Dawn is first loaded.
process.env.EGL_PLATFORM ??= 'surfaceless';
process.env.XDG_RUNTIME_DIR ??= '/tmp';

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Backend, Conv2DParams, Storage, TensorInfo } from '../../src/kernels/backend.js';
import { CpuBackend } from '../../src/kernels/cpu/cpu-backend.js';
import { webgpuAvailable } from '../../src/kernels/webgpu/device.js';
import { parseGemmChoice } from '../../src/kernels/webgpu/gemm-choice-text.js';
import { createInstrumentedWebGpuBackend, type InstrumentedWebGpuOptions } from '../../src/kernels/webgpu/instrumented-backend.js';
import type { Dispatch } from '../../src/kernels/webgpu/executor.js';
import type { WebGpuBackend } from '../../src/kernels/webgpu/webgpu-backend.js';

export const webgpuStatus = await webgpuAvailable();
if (!webgpuStatus.ok && process.env.CI !== 'true') {
  console.warn(`WebGPU tests SKIPPED: ${webgpuStatus.reason}`);
}

/** A suite over a WebGPU backend created once for it (see the file comment for skipping). */
export function describeWebGpu(name: string, body: (gpu: () => WebGpuBackend) => void, options?: InstrumentedWebGpuOptions): void {
  if (!webgpuStatus.ok) {
    if (process.env.CI === 'true') {
      describe(name, () => {
        it('has a WebGPU adapter (required on CI)', () => {
          throw new Error(`no WebGPU adapter on CI: ${webgpuStatus.reason}`);
        });
      });
    } else {
      describe.skip(`${name} — SKIPPED: ${webgpuStatus.reason}`, () => {
        it('needs a WebGPU adapter', () => {});
      });
    }
    return;
  }
  describe(name, () => {
    let backend: WebGpuBackend | null = null;
    beforeAll(async () => {
      backend = await createInstrumentedWebGpuBackend({ verifyVariants: true, ...options });
    });
    afterAll(() => {
      backend?.dispose();
    });
    body(() => {
      if (!backend) throw new Error('the WebGPU backend was not created');
      return backend;
    });
  });
}

export const cpu = new CpuBackend();

export interface Arg {
  shape: readonly number[];
  values: Float32Array;
}

export function arg(shape: readonly number[], values: Float32Array): Arg {
  return { shape, values };
}

/**
 * Runs `kernel` on both backends over the same inputs and returns both outputs; frees every GPU
 * buffer it made so that suites can also watch bytesInUse.
 */
export async function runBoth(
  gpu: Backend,
  args: readonly Arg[],
  kernel: (b: Backend, xs: TensorInfo[]) => Storage,
): Promise<{ gpu: Float32Array; cpu: Float64Array }> {
  const g = args.map((a) => ({ storage: gpu.upload(a.values, 'float32'), shape: a.shape, dtype: 'float32' as const }));
  const c = args.map((a) => ({ storage: cpu.upload(Float64Array.from(a.values), 'float64'), shape: a.shape, dtype: 'float64' as const }));
  const cpuOut = kernel(cpu, c) as Float64Array;
  const gpuStorage = kernel(gpu, g);
  try {
    const size = (gpuStorage as { size: number }).size;
    const gpuOut = (await gpu.read({ storage: gpuStorage, shape: [size], dtype: 'float32' })) as Float32Array;
    return { gpu: gpuOut, cpu: cpuOut };
  } finally {
    gpu.free(gpuStorage, 'float32', 0);
    for (const x of g) gpu.free(x.storage, 'float32', 0);
  }
}

/** |actual − expected| ≤ atol + rtol·|expected| everywhere, reporting the worst element. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol = 1e-5, what = ''): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (!(excess <= worstExcess) || Number.isNaN(a) !== Number.isNaN(e)) {
      if (Number.isNaN(a) && Number.isNaN(e)) continue;
      worst = i;
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
    }
  }
  if (worst >= 0) {
    throw new Error(`${what}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (atol ${atol.toExponential(2)}, rtol ${rtol})`);
  }
}

/**
 * Every element within `rtol` of the expected array's largest magnitude (plus 1e-7): for maps and
 * attributions, whose small entries carry the error of the large ones they are summed from.
 */
export function expectCloseToScale(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, what = ''): void {
  expectClose(actual, expected, rtol * maxAbs(expected) + 1e-7, 0, what);
}

export function maxAbs(xs: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < xs.length; i++) m = Math.max(m, Math.abs(xs[i]!));
  return m;
}

/** Tolerance for float32 sums of `terms` products of magnitude ≤ `scale` against a float64 oracle. */
export function sumTolerance(terms: number, scale: number): number {
  return 1e-5 * Math.sqrt(Math.max(1, terms)) * Math.max(scale, 1e-3) + 1e-7;
}

/** Deterministic uniform values in [lo, hi) from a seed (fast-check draws the seed). */
export function seededValues(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out[i] = lo + (hi - lo) * u;
  }
  return out;
}

/** Distinct values (a shuffled ramp): no ties, so max-pooling has one winner per window. */
export function distinctValues(n: number, seed: number): Float32Array {
  const order = seededValues(n, seed);
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => order[a]! - order[b]!);
  const out = new Float32Array(n);
  idx.forEach((j, rank) => (out[j] = (rank - n / 2) / Math.max(1, n)));
  return out;
}

export function sizeOfShape(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Every dispatch made while `fn` runs (still executed), so that tests can check which kernel
 * variant ran or what a dispatch declared.
 */
export async function recordDispatches(gpu: WebGpuBackend, fn: () => Promise<void>): Promise<Dispatch[]> {
  const seen: Dispatch[] = [];
  const ex = gpu.executor;
  const original = ex.dispatch.bind(ex);
  const spy = vi.spyOn(ex, 'dispatch').mockImplementation((d: Dispatch) => {
    seen.push(d);
    original(d);
  });
  try {
    await fn();
  } finally {
    spy.mockRestore();
  }
  return seen;
}

const info = (storage: Storage, shape: number[]): TensorInfo => ({ storage, shape, dtype: 'float32' });

/**
 * Autotuning candidates validated at the core feature level on Dawn's Null backend (Mesa runs
 * the compatibility level): each choice's convolution and input gradient at 32 channels (steps
 * within a tap) and 3 (a first layer: the flattened K where allowed).
 */
export async function validateOnNullDevice(choices: readonly string[]): Promise<void> {
  const conv: Conv2DParams = { strides: [1, 1], dilations: [1, 1], pad: { top: 1, bottom: 1, left: 1, right: 1 }, outHeight: 8, outWidth: 8 };
  for (const text of choices) {
    const b = await createInstrumentedWebGpuBackend({ nullDevice: true, kernelProfile: 'gpu', gemm: parseGemmChoice(text) });
    try {
      for (const cin of [32, 3]) {
        const x = info(b.upload(seededValues(2 * 8 * 8 * cin, 1), 'float32'), [2, 8, 8, cin]);
        const w = info(b.upload(seededValues(3 * 3 * cin * 32, 2), 'float32'), [3, 3, cin, 32]);
        const y = info(b.conv2d(x, w, null, conv, true), [2, 8, 8, 32]);
        const dx = info(b.conv2dBackpropInput(y, w, [2, 8, 8, cin], conv), [2, 8, 8, cin]);
        // Reading waits for the submissions, whose validation errors it would raise.
        expect((await b.read(dx)).length, `${text}, ${cin} channels`).toBe(2 * 8 * 8 * cin);
      }
    } finally {
      b.dispose();
    }
  }
}

/** A batched product on the WebGPU backend: shapes, transposes and the seed of its inputs. */
export interface MatmulCase {
  batchA: number;
  batchB: number;
  M: number;
  N: number;
  K: number;
  transA: boolean;
  transB: boolean;
  seed: number;
}

/** matmul of case `c` on the WebGPU backend against the CPU, inputs in [-1, 1) from its seed. */
export async function checkMatmul(gpu: Backend, c: MatmulCase): Promise<void> {
  const aShape = [c.batchA, ...(c.transA ? [c.K, c.M] : [c.M, c.K])];
  const bShape = [c.batchB, ...(c.transB ? [c.N, c.K] : [c.K, c.N])];
  const a = arg(aShape, seededValues(sizeOfShape(aShape), c.seed));
  const b = arg(bShape, seededValues(sizeOfShape(bShape), c.seed + 1));
  const r = await runBoth(gpu, [a, b], (be, [x, y]) => be.matmul(x!, y!, c.transA, c.transB));
  expectClose(r.gpu, r.cpu, sumTolerance(c.K, maxAbs(a.values) * maxAbs(b.values)), 1e-5, `matmul ${JSON.stringify(c)}`);
}
