/**
 * Our WebGPU kernels against TensorFlow.js's WebGPU backend on the same adapter:
 *
 *   npx tsx bench/compare-tfjs.ts [--filter SUBSTRING] [--batch N] [--quick] [--json] [--gemm-tiling T]
 *
 * Times the matmul and VGG19 convolution cases of cases.ts (forward with bias + ReLU, input
 * gradient, filter gradient) on both, each run waited for by reading one output element, and
 * prints GFLOP/s side by side with their ratio. Runs of the two alternate and each side reports
 * its best run, so that load from other processes on a shared machine hits both alike and
 * inflates neither. Needs a WebGPU adapter (llvmpipe will do).
 */
import { pathToFileURL } from 'node:url';
import type { Backend } from '../src/kernels/backend.js';
import { createWebGpuBackend } from '../src/kernels/webgpu/device.js';
import { benchCases, VGG19_CONVS } from './cases.js';
import { createTfjsWebGpu, tfConvCase, tfMatmulCase, tfTimeOnce, type TfCase } from './tfjs-webgpu.js';
import { repeatsFor, spinUp, timeOnce, type TimingOptions } from './timing.js';

interface Args {
  filter: string;
  batch: number;
  quick: boolean;
  json: boolean;
  /** Our GEMM tiling, fixed (WebGpuBackendOptions.gemmTiling); undefined: the backend's choice. */
  gemmTiling?: string;
}

const USAGE = 'usage: tsx bench/compare-tfjs.ts [--filter SUBSTRING] [--batch N] [--quick] [--json] [--gemm-tiling RMxCN/WXxWY]';

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { filter: '', batch: 1, quick: false, json: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--filter') args.filter = argv[++i] ?? '';
    else if (flag === '--batch') args.batch = Number(argv[++i]);
    else if (flag === '--quick') args.quick = true;
    else if (flag === '--json') args.json = true;
    else if (flag === '--gemm-tiling') args.gemmTiling = argv[++i];
    else throw new Error(`compare-tfjs: unknown flag '${flag}'\n${USAGE}`);
  }
  if (!Number.isInteger(args.batch) || args.batch < 1) throw new Error(`compare-tfjs: --batch must be a positive integer\n${USAGE}`);
  return args;
}

interface Row {
  op: string;
  shape: string;
  oursGflops: number;
  tfjsGflops: number;
  ratio: number;
}

/**
 * Alternates runs of ours and TF.js until the budget is spent; the best run of each. Each side
 * repeats a fast kernel within a run by its own count (repeatsFor, from its second run).
 */
async function timeBoth(
  ours: { launch(reps: number): Promise<number> },
  tf: { launch(reps: number): Promise<number> },
  opts: { budgetMs: number; minRuns: number; maxRuns: number; singleRunMs: number },
): Promise<{ oursMs: number; tfMs: number; runs: number }> {
  let oursMs = await ours.launch(1);
  let tfMs = await tf.launch(1);
  if (oursMs + tfMs > 2 * opts.singleRunMs) return { oursMs, tfMs, runs: 1 };
  const oursReps = repeatsFor(await ours.launch(1));
  const tfReps = repeatsFor(await tf.launch(1));
  await spinUp((r) => ours.launch(r), oursReps);
  await spinUp((r) => tf.launch(r), tfReps);
  oursMs = Infinity;
  tfMs = Infinity;
  let spent = 0;
  let runs = 0;
  while (runs < opts.maxRuns && (runs < opts.minRuns || spent < opts.budgetMs)) {
    const a = await ours.launch(oursReps);
    const b = await tf.launch(tfReps);
    oursMs = Math.min(oursMs, a);
    tfMs = Math.min(tfMs, b);
    spent += a * oursReps + b * tfReps;
    runs++;
  }
  return { oursMs, tfMs, runs };
}

/** Runs the comparison (argv as on the command line); bench/main.ts calls it for --backend webgpu. */
export async function compareWithTfjs(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv);
  const log = (line: string) => (args.json ? console.error(line) : console.log(line));
  const timing: TimingOptions = args.quick
    ? { budgetMs: 300, minRuns: 3, maxRuns: 20, singleRunMs: 1500 }
    : { budgetMs: 1500, minRuns: 5, maxRuns: 50, singleRunMs: 3000 };

  const ours: Backend = await createWebGpuBackend({ gemmTiling: args.gemmTiling });
  const tfjs = await createTfjsWebGpu();
  log(`ours: ${ours.info().adapter}; tfjs ${tfjs.tf.version_core}: ${tfjs.adapter}; float32, batch ${args.batch}`);

  const tfCases = new Map<string, TfCase>();
  for (const [M, K, N] of [[512, 512, 512], [1024, 1024, 1024], [2048, 2048, 2048], [1, 4096, 4096]] as const) {
    const c = tfMatmulCase(M, K, N);
    tfCases.set(c.key, c);
  }
  for (const [size, cin, cout] of VGG19_CONVS) {
    for (const pass of ['conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter'] as const) {
      const c = tfConvCase(pass, args.batch, size, cin, cout);
      tfCases.set(c.key, c);
    }
  }
  const cases = benchCases({ batch: args.batch, quick: args.quick, dtype: 'float32' }).filter(
    (c) => tfCases.has(`${c.op} ${c.shape}`) && `${c.op} ${c.shape}`.includes(args.filter),
  );
  if (!args.json) log(`${'op'.padEnd(22)} ${'shape'.padEnd(36)} ${'ours'.padStart(8)} ${'tfjs'.padStart(8)} ${'ratio'.padStart(7)}  (GFLOP/s, best run)`);
  const rows: Row[] = [];
  for (const c of cases) {
    const prepared = c.prepare(ours);
    const tfPrepared = tfCases.get(`${c.op} ${c.shape}`)!.prepare(tfjs.tf);
    let t: { oursMs: number; tfMs: number; runs: number };
    try {
      t = await timeBoth(
        { launch: (reps) => timeOnce(ours, prepared.launch, reps) },
        { launch: (reps) => tfTimeOnce(tfjs.tf, tfPrepared.launch, reps) },
        timing,
      );
    } finally {
      prepared.dispose();
      tfPrepared.dispose();
    }
    const row: Row = {
      op: c.op,
      shape: c.shape,
      oursGflops: round(c.flops / t.oursMs / 1e6),
      tfjsGflops: round(c.flops / t.tfMs / 1e6),
      ratio: round(t.tfMs / t.oursMs),
    };
    rows.push(row);
    const line = `${row.op.padEnd(22)} ${row.shape.padEnd(36)} ${row.oursGflops.toFixed(2).padStart(8)} ${row.tfjsGflops.toFixed(2).padStart(8)} ${row.ratio.toFixed(2).padStart(6)}×`;
    log(line);
  }
  if (args.json) console.log(JSON.stringify(rows, null, 2));
  (ours as { dispose?: () => void }).dispose?.();
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
