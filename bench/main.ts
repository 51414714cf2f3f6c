/**
 * Kernel benchmark: `npm run bench -- [--backend cpu|webgpu] [--filter SUBSTRING] [--batch N]
 * [--quick] [--json]`. Prints a table of milliseconds and GFLOP/s per case, or with --json only
 * a JSON array of {op, shape, backend, ms, gflops} on stdout (progress goes to stderr).
 */
import { BACKEND_NAMES, createBenchBackend, type BackendName } from './backends.js';
import { benchCases } from './cases.js';
import { timeKernel, type TimingOptions } from './timing.js';

interface Args {
  backend: BackendName;
  filter: string;
  batch: number;
  quick: boolean;
  json: boolean;
}

const USAGE = 'usage: tsx bench/main.ts [--backend cpu|webgpu] [--filter SUBSTRING] [--batch N] [--quick] [--json]';

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { backend: 'cpu', filter: '', batch: 1, quick: false, json: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`bench: ${flag} needs a value\n${USAGE}`);
      return v;
    };
    switch (flag) {
      case '--backend': {
        const v = value();
        if (!(BACKEND_NAMES as readonly string[]).includes(v)) throw new Error(`bench: unknown backend '${v}'\n${USAGE}`);
        args.backend = v as BackendName;
        break;
      }
      case '--filter':
        args.filter = value();
        break;
      case '--batch': {
        const v = Number(value());
        if (!Number.isInteger(v) || v < 1) throw new Error(`bench: --batch must be a positive integer\n${USAGE}`);
        args.batch = v;
        break;
      }
      case '--quick':
        args.quick = true;
        break;
      case '--json':
        args.json = true;
        break;
      case '--help':
      case '-h':
        console.log(USAGE);
        process.exit(0);
      default:
        throw new Error(`bench: unknown flag '${flag}'\n${USAGE}`);
    }
  }
  return args;
}

interface Result {
  op: string;
  shape: string;
  backend: string;
  ms: number;
  gflops: number;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const backend = await createBenchBackend(args.backend);
  const timing: TimingOptions = args.quick
    ? { budgetMs: 300, minRuns: 3, maxRuns: 20, singleRunMs: 1000 }
    : { budgetMs: 1500, minRuns: 5, maxRuns: 50, singleRunMs: 2000 };
  const cases = benchCases({ batch: args.batch, quick: args.quick, dtype: 'float32' }).filter((c) =>
    `${c.op} ${c.shape}`.includes(args.filter),
  );
  const log = (line: string) => (args.json ? console.error(line) : console.log(line));
  const info = backend.info();
  const level = info.featureLevel && !info.adapter.includes(info.featureLevel) ? `, ${info.featureLevel}` : '';
  log(`backend: ${info.name} (${info.adapter}${level}), float32, batch ${args.batch}`);
  if (!args.json) log(row('op', 'shape', 'ms', 'GFLOP/s', 'runs'));

  const results: Result[] = [];
  for (const c of cases) {
    const prepared = c.prepare(backend);
    try {
      const t = await timeKernel(backend, prepared.launch, timing);
      const r: Result = { op: c.op, shape: c.shape, backend: info.name, ms: round(t.ms, 3), gflops: round(c.flops / t.ms / 1e6, 3) };
      results.push(r);
      if (args.json) console.error(`${c.op} ${c.shape}: ${r.gflops} GFLOP/s`);
      else log(row(c.op, c.shape, r.ms.toFixed(1), r.gflops.toFixed(2), String(t.runs)));
    } finally {
      prepared.dispose();
    }
  }
  if (args.json) console.log(JSON.stringify(results, null, 2));
}

function row(op: string, shape: string, ms: string, gflops: string, runs: string): string {
  return `${op.padEnd(22)} ${shape.padEnd(36)} ${ms.padStart(10)} ${gflops.padStart(8)} ${runs.padStart(5)}`;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
