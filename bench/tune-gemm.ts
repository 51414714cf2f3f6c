/**
 * Tuning the GEMM-shaped WebGPU kernels on the adapter in hand:
 *
 *   npx tsx bench/tune-gemm.ts [--tilings CHOICE,CHOICE,...|candidates] [--filter 'A|B|...'] [--skip 'C|...']
 *                              [--batch N] [--check] [--kernel-profile cpu|gpu] [--null-backend]
 *
 * Times each benchmark case whose "op shape" text contains one of the filters (all cases when
 * none is given) and none of the skips, under each GEMM choice forced on the backend
 * (createInstrumentedWebGpuBackend({ gemm }), written as src/kernels/webgpu/gemm-choice-text.ts
 * spells them: 'direct', 'tiled:B:F[:T][:kS][:anyk][:1buf]' for the workgroup-memory kernel, or a
 * direct-kernel block 'RMxCN/WXxWY') and under the backend's own choice ('auto'), and prints the
 * best run's GFLOP/s per choice.
 * One backend per setting, so pipelines do not mix. With --check, each output is also compared
 * with the CPU backend's (float32) on the same inputs, for cases of at most 4 GFLOP: the worst
 * error relative to the largest output magnitude is printed per setting, so a fast but wrong
 * variant shows. `--tilings candidates` sweeps the autotuner's candidates (gemm-autotune.ts), and
 * `--kernel-profile gpu` runs the real-GPU kernels on any adapter (llvmpipe included). Where the
 * device has GPU timestamps, a second table gives GFLOP/s by kernel time (median of 10 launches
 * timed one by one: the settings compared without the host's share). `--null-backend` runs the
 * script on Dawn's Null backend (nothing runs: a check of the script). For choosing the
 * kernels' shapes on a real GPU, and checking every variant; not a test.
 */
import type { Backend, TensorInfo } from '../src/kernels/backend.js';
import { cpuBackend } from '../src/kernels/cpu/cpu-backend.js';
import { sizeOf } from '../src/tensor/shape.js';
import { candidateChoices } from '../src/kernels/webgpu/gemm-autotune.js';
import { formatGemmChoice, parseGemmChoice } from '../src/kernels/webgpu/gemm-choice-text.js';
import { createInstrumentedWebGpuBackend } from '../src/kernels/webgpu/instrumented-backend.js';
import { benchCases } from './cases.js';
import { medianKernelMs, timeKernel } from './timing.js';

const DEFAULT_TILINGS = ['auto', 'direct', 'tiled:64:0', 'tiled:64:256', 'tiled:128:256', 'tiled:auto:1024'];

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const get = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const profileArg = get('--kernel-profile');
  if (profileArg !== undefined && profileArg !== 'cpu' && profileArg !== 'gpu') throw new Error(`tune-gemm: --kernel-profile must be cpu or gpu, got '${profileArg}'`);
  const kernelProfile = profileArg as 'cpu' | 'gpu' | undefined;
  const listed = get('--tilings');
  // 'candidates': the autotuner's list for the profile in force (gemm-autotune.ts). Each choice
  // is parsed once here (a typo stops the run before anything is timed) and printed back as text.
  const nullDevice = argv.includes('--null-backend');
  const choices =
    listed === 'candidates'
      ? [{ family: 'auto' } as const, ...candidateChoices(kernelProfile === undefined ? (await createInstrumentedWebGpuBackend({ nullDevice })).info().softwareAdapter === true : kernelProfile === 'cpu')]
      : (listed?.split(',') ?? DEFAULT_TILINGS).map(parseGemmChoice);
  const tilings = choices.map(formatGemmChoice);
  const filters = get('--filter')?.split('|') ?? [''];
  const skips = get('--skip')?.split('|') ?? [];
  const batch = Number(get('--batch') ?? 1);
  const cases = benchCases({ batch, quick: false, dtype: 'float32' }).filter(
    (c) => !c.op.startsWith('maxPool') && filters.some((f) => `${c.op} ${c.shape}`.includes(f)) && !skips.some((f) => `${c.op} ${c.shape}`.includes(f)),
  );
  const timing = { budgetMs: 250, minRuns: 3, maxRuns: 30, singleRunMs: 2000 };
  const results = new Map<string, Map<string, number>>();
  // GFLOP/s by GPU kernel time (timestamps), where the device has them: the settings compared
  // without the host's share.
  const kernelResults = new Map<string, Map<string, number>>();
  const check = argv.includes('--check');
  const reference = new Map<string, Float32Array>();
  if (check) {
    const cpu = cpuBackend();
    for (const c of cases.filter((c) => c.flops <= 4e9)) reference.set(`${c.op} ${c.shape}`, await output(cpu, c.prepare(cpu)));
  }
  const worst = new Map<string, number>();
  for (const [i, tiling] of tilings.entries()) {
    const backend = await createInstrumentedWebGpuBackend({ kernelProfile, gemm: choices[i], nullDevice });
    if (tiling === tilings[0]) console.log(`adapter: ${backend.info().adapter}; batch ${batch}`);
    for (const c of cases) {
      const p = c.prepare(backend);
      try {
        const t = await timeKernel(backend, p.launch, timing);
        const key = `${c.op} ${c.shape}`;
        if (!results.has(key)) results.set(key, new Map());
        // The best run: variants are compared, and slower runs are interference, not the kernel.
        results.get(key)!.set(tiling, c.flops / t.minMs / 1e6);
        if (backend.canTimeKernels()) {
          if (!kernelResults.has(key)) kernelResults.set(key, new Map());
          kernelResults.get(key)!.set(tiling, c.flops / (await medianKernelMs(backend, p.launch, KERNEL_TIME_LAUNCHES)) / 1e6);
        }
        const ref = reference.get(key);
        if (ref) worst.set(tiling, Math.max(worst.get(tiling) ?? 0, relativeError(await output(backend, p, false), ref)));
      } catch (e) {
        console.log(`${tiling} ${c.op} ${c.shape}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
      } finally {
        p.dispose();
      }
    }
    backend.dispose();
  }
  // GFLOP/s per case and setting; '—' where a setting failed or (kernel time) was not measurable.
  const table = (rows: Map<string, Map<string, number>>, what: string): void => {
    console.log(`${'case'.padEnd(64)} ${tilings.map((t) => t.padStart(10)).join(' ')}   (${what})`);
    for (const [key, row] of rows) {
      console.log(`${key.padEnd(64)} ${tilings.map((t) => (Number.isFinite(row.get(t)) ? row.get(t)!.toFixed(0) : '—').padStart(10)).join(' ')}`);
    }
  };
  table(results, 'GFLOP/s');
  if (check) console.log(`${'worst error vs CPU / max |CPU|'.padEnd(64)} ${tilings.map((t) => (worst.get(t)?.toExponential(1) ?? '—').padStart(10)).join(' ')}`);
  if (kernelResults.size > 0) table(kernelResults, `GFLOP/s by GPU kernel time, median of ${KERNEL_TIME_LAUNCHES} launches`);
}

/** Launches timed one by one by GPU timestamps per case and setting. */
const KERNEL_TIME_LAUNCHES = 10;

/** Runs a prepared case once and reads its whole output (disposing the inputs unless told not to). */
async function output(backend: Backend, p: { launch(): TensorInfo; dispose(): void }, dispose = true): Promise<Float32Array> {
  const out = p.launch();
  const values = Float32Array.from(await backend.read(out));
  backend.free(out.storage, out.dtype, sizeOf(out.shape));
  if (dispose) p.dispose();
  return values;
}

function relativeError(got: Float32Array, ref: Float32Array): number {
  let scale = 0;
  let err = 0;
  for (let i = 0; i < ref.length; i++) {
    scale = Math.max(scale, Math.abs(ref[i]!));
    err = Math.max(err, Math.abs(got[i]! - ref[i]!));
  }
  return got.length === ref.length ? err / (scale || 1) : Infinity;
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  },
);
