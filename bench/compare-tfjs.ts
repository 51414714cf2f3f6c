/**
 * Our WebGPU kernels against TensorFlow.js's WebGPU backend on the same adapter:
 *
 *   npx tsx bench/compare-tfjs.ts [--filter SUBSTRING] [--batch N[,N...]] [--quick] [--json]
 *                                 [--gemm-tiling CHOICE] [--also-gemm-tiling CHOICE] [--budget-ms MS]
 *                                 [--autotune|--no-autotune] [--alone] [--no-kernel-time] [--null-backend]
 *                                 [--json-out FILE]
 *
 * Times the matmul and VGG19 convolution cases of cases.ts (forward with bias + ReLU, input
 * gradient, filter gradient; at batch 1 and 8 by default, batch 1 alone on a software adapter)
 * on both, each run waited for by reading one output element, and prints GFLOP/s side by side
 * with their ratio. The two are timed in alternating blocks and each side reports its best run
 * (see timeSides). Needs a WebGPU adapter (llvmpipe will do). On a real GPU our side is first
 * autotuned per case (as `explain` is by default there; each row names the setting chosen), on
 * software adapters not; --autotune and --no-autotune decide instead.
 *
 * With --alone each side is also timed without the other in its process: ours before TF.js is
 * loaded, TF.js in a child process where ours never exists (columns 'alone', 'tfjs al' and
 * 'al ratio').
 *
 * Where both devices have GPU timestamps (real GPUs in Node; not llvmpipe), each case is also
 * timed by the GPU itself, launch by launch and side by side: ours with
 * WebGpuBackend.timeKernels, TF.js with tf.time's kernelMs (both a timestamped pass per kernel),
 * giving the columns 'ours k', 'tfjs k' and 'k ratio' (GFLOP/s by kernel time). They leave out
 * the host, submission and waits, which the wall-clock columns include. `--null-backend` runs
 * the whole script on Dawn's Null backend, which runs nothing: a check of the script itself
 * (tests do), its numbers meaningless. `--json-out FILE` keeps the rows as JSON, rewritten after
 * every case (what bench/summarize-kernels.ts turns into the tables of docs/benchmarks.md).
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TensorInfo } from '../src/kernels/backend.js';
import { writeFileAtomic } from '../src/io/atomic-write.js';
import type { GemmChoice } from '../src/kernels/webgpu/gemm-choice.js';
import { formatGemmChoice, parseGemmChoice } from '../src/kernels/webgpu/gemm-choice-text.js';
import { createInstrumentedWebGpuBackend } from '../src/kernels/webgpu/instrumented-backend.js';
import { sizeOf } from '../src/tensor/shape.js';
import type { WebGpuBackend } from '../src/kernels/webgpu/webgpu-backend.js';
import { benchCases, MATMUL_SHAPES, VGG19_CONVS, type BenchCase } from './cases.js';
import { createTfjsWebGpu, tfCanTimeKernels, tfConvCase, tfKernelMs, tfMatmulCase, tfTimeKernel, tfTimeOnce, type TfCase, type TfjsRunner } from './tfjs-webgpu.js';
import { kernelMsOnce, median, repeatsFor, spinUp, timeKernel, timeOnce, type TimingOptions } from './timing.js';

interface Args {
  filter: string;
  /** Batch sizes of the convolutions; undefined: 1 and 8, or 1 alone on a software adapter. */
  batches?: number[];
  quick: boolean;
  json: boolean;
  /** Our GEMM choice, forced (--gemm-tiling, in gemm-choice-text.ts's spelling); undefined: the backend's own. */
  gemm?: GemmChoice;
  /** A second GEMM choice of ours, timed in the same blocks (an extra column). */
  alsoGemm?: GemmChoice;
  /** Timing budget per case and side, ms (default 1500; 300 with --quick). */
  budgetMs?: number;
  /** Autotune our kernels for each case before timing it (WebGpuBackend.autotune); 'auto': on real GPUs. */
  autotune: boolean | 'auto';
  /** Also time our side alone first, before TF.js is loaded (a column 'alone'). */
  alone: boolean;
  /** Time kernels by GPU timestamps too, where both sides can (columns 'ours k', 'tfjs k', 'k ratio'). */
  kernelTime: boolean;
  /** Both sides on Dawn's Null backend (nothing runs): checks the script, not the kernels. */
  nullBackend: boolean;
  /** Also write the rows as JSON to this file, after each case (--json-out FILE). */
  jsonOut?: string;
  /** Internal (--alone): time TF.js's side only and print JSON; see tfjsAloneInChild. */
  tfjsOnly: boolean;
}

const USAGE =
  'usage: tsx bench/compare-tfjs.ts [--filter SUBSTRING] [--batch N[,N...]] [--quick] [--json] [--gemm-tiling CHOICE] [--also-gemm-tiling CHOICE] [--budget-ms MS] [--autotune|--no-autotune] [--alone] [--no-kernel-time] [--null-backend] [--json-out FILE]';

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { filter: '', quick: false, json: false, autotune: 'auto', alone: false, kernelTime: true, nullBackend: false, tfjsOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--filter') args.filter = argv[++i] ?? '';
    else if (flag === '--batch') args.batches = (argv[++i] ?? '').split(',').map(Number);
    else if (flag === '--quick') args.quick = true;
    else if (flag === '--json') args.json = true;
    else if (flag === '--gemm-tiling') args.gemm = parseGemmChoice(argv[++i] ?? '');
    else if (flag === '--also-gemm-tiling') args.alsoGemm = parseGemmChoice(argv[++i] ?? '');
    else if (flag === '--budget-ms') args.budgetMs = Number(argv[++i]);
    else if (flag === '--autotune') args.autotune = true;
    else if (flag === '--no-autotune') args.autotune = false;
    else if (flag === '--alone') args.alone = true;
    else if (flag === '--no-kernel-time') args.kernelTime = false;
    else if (flag === '--null-backend') args.nullBackend = true;
    else if (flag === '--tfjs-only') args.tfjsOnly = true;
    else if (flag === '--json-out') {
      args.jsonOut = argv[++i];
      if (!args.jsonOut || args.jsonOut.startsWith('--')) throw new Error(`compare-tfjs: --json-out needs a file name\n${USAGE}`);
    }
    else throw new Error(`compare-tfjs: unknown flag '${flag}'\n${USAGE}`);
  }
  if (args.batches && !args.batches.every((b) => Number.isInteger(b) && b >= 1)) {
    throw new Error(`compare-tfjs: --batch must be positive integers separated by commas\n${USAGE}`);
  }
  if (args.budgetMs !== undefined && !(args.budgetMs > 0)) throw new Error(`compare-tfjs: --budget-ms must be a positive number\n${USAGE}`);
  return args;
}

/** One case of the comparison (also the JSON rows of --json and --json-out; NaN there becomes null). */
export interface ComparisonRow {
  op: string;
  shape: string;
  oursGflops: number;
  tfjsGflops: number;
  ratio: number;
  altGflops?: number;
  altRatio?: number;
  /** With --autotune: the GEMM choice our side runs with, as text ('auto': the default was kept). */
  tuned?: string;
  /** With --alone: our GFLOP/s timed before TF.js was loaded (bench/timing.ts's timeKernel, best run). */
  aloneGflops?: number;
  /** With --alone: TF.js's GFLOP/s timed in a process of its own (best run), and ours alone / it. */
  tfjsAloneGflops?: number;
  aloneRatio?: number;
  /** GFLOP/s by GPU kernel time (median launch), where both sides have timestamps. */
  oursKernelGflops?: number;
  tfjsKernelGflops?: number;
  kernelRatio?: number;
}

/** --alone: each side timed without the other in its process (ours before TF.js loads, TF.js in a child process). */
interface Alone {
  gflops: number;
  tuned?: string;
  tfjs?: number;
}

/** Launches per side timed by GPU timestamps (each alone, the sides alternating); the median counts. */
const KERNEL_TIME_LAUNCHES = 15;

/**
 * GPU milliseconds per launch of each side by timestamps (see the file comment): launches timed
 * one at a time, alternating ours and TF.js, median of each. Run right after the wall-clock
 * blocks, so the GPU is at its working clock.
 */
async function kernelTimes(ours: WebGpuBackend, launch: () => TensorInfo, tf: TfjsRunner['tf'], tfLaunch: () => import('@tensorflow/tfjs-core').Tensor): Promise<[number, number]> {
  const o: number[] = [];
  const t: number[] = [];
  for (let i = 0; i < KERNEL_TIME_LAUNCHES; i++) {
    o.push(await kernelMsOnce(ours, launch));
    t.push(await tfKernelMs(tf, tfLaunch));
  }
  return [median(o), median(t)];
}

/**
 * Times the sides (ours, TF.js, and optionally ours with another GEMM setting) in blocks, one
 * side after the other and the whole round twice, each block spun up first (timing.ts) and run
 * until its share of the budget is spent; the best run of each side. Blocks run each library's
 * launches back to back, as in use, and two rounds expose every side to the same drift of clocks
 * or machine load. (On the H200 our kernels measured 20–45% slower inside this comparison than
 * timed alone by bench/tune-gemm.ts, in blocks as with runs alternating; the cause is not known.
 * Both libraries share the process and the adapter, so the ratios compare like with like.)
 * Each side repeats a fast kernel within a run by its own count (repeatsFor, from its second run).
 */
async function timeSides(
  sides: { launch(reps: number): Promise<number> }[],
  opts: { budgetMs: number; minRuns: number; maxRuns: number; singleRunMs: number },
): Promise<{ best: number[]; runs: number }> {
  const first: number[] = [];
  for (const side of sides) first.push(await side.launch(1));
  if (first.reduce((a, b) => a + b, 0) > sides.length * opts.singleRunMs) return { best: first, runs: 1 };
  const reps: number[] = [];
  for (const side of sides) reps.push(repeatsFor(await side.launch(1)));
  const best = sides.map(() => Infinity);
  let runs = 0;
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < sides.length; i++) {
      const run = (r: number) => sides[i]!.launch(r);
      // The GPU idled only while the case was prepared: later blocks need a short spin.
      await spinUp(run, reps[i]!, round === 0 && i === 0 ? undefined : 30);
      let spent = 0;
      for (let n = 0; n < opts.maxRuns / 2 && (n < Math.ceil(opts.minRuns / 2) || spent < opts.budgetMs / 4); n++) {
        const ms = await run(reps[i]!);
        best[i] = Math.min(best[i]!, ms);
        spent += ms * reps[i]!;
        if (i === 0) runs++;
      }
    }
  }
  return { best, runs };
}

/** Autotunes our kernels for a prepared case; returns the choice made, as text ('auto': the default). */
async function tuneCase(ours: WebGpuBackend, prepared: { launch(): TensorInfo }): Promise<string> {
  const r = await ours.autotune(() => {
    const o = prepared.launch();
    ours.free(o.storage, o.dtype, sizeOf(o.shape));
  });
  return formatGemmChoice(r.problems[0]?.chosen ?? { family: 'auto' });
}

/** Times one case on every side and prints its line. */
async function compareCase(
  c: BenchCase, tfCase: TfCase,
  ctx: {
    ours: WebGpuBackend; alt: WebGpuBackend | null; tfjs: TfjsRunner; timing: TimingOptions; autotune: boolean; kernelTime: boolean;
    alone?: Alone; log: (line: string) => void;
  },
): Promise<ComparisonRow> {
  const { ours, alt, tfjs } = ctx;
  // TF.js binds every tensor whole: past the adapter's binding limit (VGG19's fc1 kernel, 411 MB,
  // on llvmpipe's 128 MiB) its dispatches fail validation and nothing runs, so it is not timed.
  const bindingLimit = ours.limits().maxStorageBufferBindingSize;
  const tfjsFits = tfCase.largestTensorBytes <= bindingLimit;
  const prepared = c.prepare(ours);
  const altPrepared = alt ? c.prepare(alt) : null;
  const tfPrepared = tfjsFits ? tfCase.prepare(tfjs.tf) : null;
  let t: { best: number[]; runs: number };
  let tuned: string | undefined;
  let kernel: [number, number] | undefined;
  try {
    // Tuned by the --alone pass already, or now.
    if (ctx.autotune) tuned = ctx.alone?.tuned ?? (await tuneCase(ours, prepared));
    const sides = [{ launch: (reps: number) => timeOnce(ours, prepared.launch, reps) }];
    if (tfPrepared) sides.push({ launch: (reps: number) => tfTimeOnce(tfjs.tf, tfPrepared.launch, reps) });
    if (alt && altPrepared) sides.push({ launch: (reps: number) => timeOnce(alt, altPrepared.launch, reps) });
    t = await timeSides(sides, ctx.timing);
    // A side not timed reads NaN.
    if (!tfPrepared) t.best.splice(1, 0, NaN);
    if (ctx.kernelTime && tfPrepared) kernel = await kernelTimes(ours, prepared.launch, tfjs.tf, tfPrepared.launch);
  } finally {
    prepared.dispose();
    altPrepared?.dispose();
    tfPrepared?.dispose();
  }
  const [oursMs, tfMs, altMs] = t.best as [number, number, number?];
  const row: ComparisonRow = {
    op: c.op,
    shape: c.shape,
    oursGflops: round(c.flops / oursMs / 1e6),
    tfjsGflops: round(c.flops / tfMs / 1e6),
    ratio: round(tfMs / oursMs),
    ...(altMs !== undefined ? { altGflops: round(c.flops / altMs / 1e6), altRatio: round(tfMs / altMs) } : {}),
    ...(tuned !== undefined ? { tuned } : {}),
    ...(ctx.alone !== undefined ? { aloneGflops: ctx.alone.gflops } : {}),
    ...(ctx.alone?.tfjs !== undefined ? { tfjsAloneGflops: ctx.alone.tfjs, aloneRatio: round(ctx.alone.gflops / ctx.alone.tfjs) } : {}),
    ...(kernel
      ? { oursKernelGflops: round(c.flops / kernel[0] / 1e6), tfjsKernelGflops: round(c.flops / kernel[1] / 1e6), kernelRatio: round(kernel[1] / kernel[0]) }
      : {}),
  };
  const num = (x: number, width: number, unit = ''): string => (Number.isFinite(x) ? `${x.toFixed(2)}${unit}` : '—').padStart(width);
  const altCols = row.altGflops !== undefined ? ` ${num(row.altGflops, 8)} ${num(row.altRatio!, 7, '×')}` : '';
  const kernelCols = ctx.kernelTime ? ` ${num(row.oursKernelGflops ?? NaN, 8)} ${num(row.tfjsKernelGflops ?? NaN, 8)} ${num(row.kernelRatio ?? NaN, 7, '×')}` : '';
  ctx.log(
    `${row.op.padEnd(22)} ${row.shape.padEnd(36)} ${num(row.oursGflops, 8)} ${num(row.tfjsGflops, 8)} ${num(row.ratio, 7, '×')}${altCols}` +
      `${ctx.alone !== undefined ? ` ${num(ctx.alone.gflops, 8)} ${num(row.tfjsAloneGflops ?? NaN, 8)} ${num(row.aloneRatio ?? NaN, 8, '×')}` : ''}` +
      `${kernelCols}${tuned !== undefined ? `  tuned: ${tuned}` : ''}`,
  );
  if (!tfjsFits) {
    ctx.log(`  (TF.js not timed: a ${(tfCase.largestTensorBytes / 2 ** 20).toFixed(0)} MiB tensor exceeds this adapter's ${(bindingLimit / 2 ** 20).toFixed(0)} MiB storage binding limit, and TF.js does not split it)`);
  }
  return row;
}

/** The cases per batch: ours (cases.ts) with their TF.js counterparts, filtered. */
function planCases(batches: readonly number[], args: Args): { tfCases: Map<string, TfCase>; cases: BenchCase[] }[] {
  return batches.map((batch, bi) => {
    const tfCases = new Map<string, TfCase>();
    // The matrix products do not depend on the batch: timed with the first one only.
    if (bi === 0) {
      for (const m of MATMUL_SHAPES) {
        const c = tfMatmulCase(m);
        tfCases.set(c.key, c);
      }
    }
    for (const [size, cin, cout] of VGG19_CONVS) {
      for (const pass of ['conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter'] as const) {
        const c = tfConvCase(pass, batch, size, cin, cout);
        tfCases.set(c.key, c);
      }
    }
    const cases = benchCases({ batch, quick: args.quick, dtype: 'float32' }).filter(
      (c) => tfCases.has(`${c.op} ${c.shape}`) && `${c.op} ${c.shape}`.includes(args.filter),
    );
    return { tfCases, cases };
  });
}

/**
 * The TF.js side alone, in a process of its own where our backend never exists (--alone): this
 * script again with --tfjs-only, whose stdout is { "op shape": GFLOP/s }. Null if it fails (the
 * comparison goes on without the column, saying why).
 */
function tfjsAloneInChild(args: Args, batches: readonly number[], timing: TimingOptions, log: (line: string) => void): Map<string, number> | null {
  const argv = ['--tfjs-only', '--batch', batches.join(','), '--filter', args.filter, '--budget-ms', String(timing.budgetMs)];
  if (args.quick) argv.push('--quick');
  if (args.nullBackend) argv.push('--null-backend');
  // This file, bundled (the kit) or as TypeScript, which Node 20 runs through tsx (a dev dependency).
  const script = fileURLToPath(import.meta.url);
  const runner = script.endsWith('.ts') ? [createRequire(import.meta.url).resolve('tsx/cli')] : [];
  const r = spawnSync(process.execPath, [...runner, script, ...argv], { encoding: 'utf8', maxBuffer: 2 ** 24 });
  if (r.status !== 0) {
    log(`(TF.js alone: its process failed (${r.error?.message ?? `exit ${r.status}`}): ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')})`);
    return null;
  }
  return new Map(Object.entries(JSON.parse(r.stdout) as Record<string, number>));
}

/** --tfjs-only: times TF.js's side of every case alone and prints { "op shape": GFLOP/s } (tfjsAloneInChild). */
async function tfjsOnly(args: Args, timing: TimingOptions): Promise<void> {
  const tfjs = await createTfjsWebGpu(args.nullBackend ? 'null' : undefined);
  const bindingLimit = (tfjs.tf.backend() as unknown as { device: GPUDevice }).device.limits.maxStorageBufferBindingSize;
  const out: Record<string, number> = {};
  for (const { tfCases, cases } of planCases(args.batches ?? [1], args)) {
    for (const c of cases) {
      const tc = tfCases.get(`${c.op} ${c.shape}`)!;
      if (tc.largestTensorBytes > bindingLimit) continue;
      const p = tc.prepare(tfjs.tf);
      try {
        // The best run, as for ours alone.
        out[`${c.op} ${c.shape}`] = round(c.flops / (await tfTimeKernel(tfjs.tf, p.launch, timing)).minMs / 1e6);
      } finally {
        p.dispose();
      }
    }
  }
  console.log(JSON.stringify(out));
}

/** Runs the comparison (argv as on the command line); bench/main.ts calls it for --backend webgpu. */
export async function compareWithTfjs(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv);
  const log = (line: string) => (args.json ? console.error(line) : console.log(line));
  const timing: TimingOptions = args.quick
    ? { budgetMs: args.budgetMs ?? 300, minRuns: 3, maxRuns: 20, singleRunMs: 1500 }
    : { budgetMs: args.budgetMs ?? 1500, minRuns: 5, maxRuns: 50, singleRunMs: 3000 };

  if (args.tfjsOnly) return tfjsOnly(args, timing);
  const where = args.nullBackend ? ({ nullDevice: true, kernelProfile: 'gpu' } as const) : {};
  const ours = await createInstrumentedWebGpuBackend({ ...where, gemm: args.gemm });
  const alt = args.alsoGemm ? await createInstrumentedWebGpuBackend({ ...where, gemm: args.alsoGemm }) : null;
  // Batch 8 on a software adapter adds about 13 minutes on two cores (TF.js's filter gradient
  // runs at 0.7–4.5 GFLOP/s there), so it is asked for explicitly.
  const batches = args.batches ?? (ours.info().softwareAdapter ? [1] : [1, 8]);
  // Tuning on llvmpipe took 40 s for VGG19 and gained nothing measurable (docs/benchmarks.md).
  const autotune = args.autotune === 'auto' ? ours.info().softwareAdapter !== true : args.autotune;
  const plan = planCases(batches, args);
  // --alone: our side first, before TF.js exists in the process (see timeSides on why).
  const alone = new Map<string, Alone>();
  if (args.alone) {
    for (const { cases } of plan) {
      for (const c of cases) {
        const p = c.prepare(ours);
        try {
          const tuned = autotune ? await tuneCase(ours, p) : undefined;
          const t = await timeKernel(ours, p.launch, timing);
          alone.set(`${c.op} ${c.shape}`, { gflops: round(c.flops / t.minMs / 1e6), tuned });
        } finally {
          p.dispose();
        }
      }
    }
  }
  if (args.alone) {
    const tfjsAlone = tfjsAloneInChild(args, batches, timing, log);
    for (const [key, a] of alone) a.tfjs = tfjsAlone?.get(key);
  }
  const tfjs = await createTfjsWebGpu(args.nullBackend ? 'null' : undefined);
  log(`ours: ${ours.info().adapter}; tfjs ${tfjs.tf.version_core}: ${tfjs.adapter}; float32, batch ${batches.join(' and ')}`);
  const kernelTime = args.kernelTime && ours.canTimeKernels() && tfCanTimeKernels(tfjs.tf);
  if (args.kernelTime && !kernelTime) {
    log(`(no kernel-time columns: ${ours.canTimeKernels() ? "TF.js's" : 'our'} device has no GPU timestamps ('timestamp-query'), as on software adapters)`);
  }
  const rows: ComparisonRow[] = [];
  for (const { tfCases, cases } of plan) {
    const altHead = alt ? ` ${'alt'.padStart(8)} ${'ratio'.padStart(7)}` : '';
    const aloneHead = args.alone ? ` ${'alone'.padStart(8)} ${'tfjs al'.padStart(8)} ${'al ratio'.padStart(8)}` : '';
    const kernelHead = kernelTime ? ` ${'ours k'.padStart(8)} ${'tfjs k'.padStart(8)} ${'k ratio'.padStart(7)}` : '';
    if (!args.json) {
      log(
        `${'op'.padEnd(22)} ${'shape'.padEnd(36)} ${'ours'.padStart(8)} ${'tfjs'.padStart(8)} ${'ratio'.padStart(7)}${altHead}${aloneHead}${kernelHead}  (GFLOP/s, best run` +
          `${alt ? `; alt: ours with ${formatGemmChoice(args.alsoGemm!)}` : ''}${args.alone ? '; alone: ours timed before TF.js was loaded, tfjs al: TF.js in a process of its own' : ''}` +
          `${kernelTime ? `; k: by GPU timestamps, median of ${KERNEL_TIME_LAUNCHES} launches` : ''})`,
      );
    }
    for (const c of cases) {
      const ctx = { ours, alt, tfjs, timing, autotune, kernelTime, alone: alone.get(`${c.op} ${c.shape}`), log };
      rows.push(await compareCase(c, tfCases.get(`${c.op} ${c.shape}`)!, ctx));
      // After every row, so that a run cut short keeps what it finished.
      if (args.jsonOut) await writeFileAtomic(args.jsonOut, new TextEncoder().encode(JSON.stringify(rows, null, 2)));
    }
  }
  if (args.json) console.log(JSON.stringify(rows, null, 2));
  ours.dispose();
  alt?.dispose();
}

const round = (x: number) => Math.round(x * 100) / 100;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  compareWithTfjs(process.argv.slice(2)).then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e instanceof Error ? (e.stack ?? e.message) : e);
      process.exit(1);
    },
  );
}
