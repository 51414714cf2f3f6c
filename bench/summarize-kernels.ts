/**
 * The kernel comparison's rows (compare-tfjs --json-out FILE) as the tables of
 * docs/benchmarks.md:
 *
 *   npx tsx bench/summarize-kernels.ts FILE.json [FILE.json ...] [--peak-tflops 66.9]
 *
 * One markdown row per case (pass, shape, batch, GFLOP/s of both sides, the ratio by wall clock,
 * each side alone, and by GPU kernel time where measured, the setting the autotuner chose, and
 * our share of the fp32 peak when given), then for each way of measuring how many convolution
 * rows meet the issue's 1.5× target and which fall short. Written for the session that brings
 * results back from a lent GPU (scripts/bench-kit/run.sh writes kernels.json).
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { ComparisonRow } from './compare-tfjs.js';

/** A row as compare-tfjs writes it: its numbers are null where they were NaN (not measured). */
export type KernelRow = {
  [K in keyof ComparisonRow]: ComparisonRow[K] extends number | undefined ? ComparisonRow[K] | null : ComparisonRow[K];
};

const TARGET = 1.5;
const PASS: Record<string, string> = {
  conv2d: 'forward',
  conv2dBackpropInput: 'input gradient',
  conv2dBackpropFilter: 'filter gradient',
  matmul: 'matmul',
};

/** 'x[8,56,56,128] w[3,3,128,256]' → { shape: '56×56×128 → 256', batch: 8 }; other shapes as they are. */
export function describeShape(shape: string): { shape: string; batch?: number } {
  const m = /^x\[(\d+),(\d+),(\d+),(\d+)\] w\[\d+,\d+,\d+,(\d+)\]$/.exec(shape);
  if (!m) return { shape };
  return { shape: `${m[2]}×${m[3]}×${m[4]} → ${m[5]}`, batch: Number(m[1]) };
}

/** GFLOP/s with thousands separators; two decimals below 100 (software adapters). */
const num = (x: number | null | undefined): string => {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '—';
  const digits = Math.abs(x) < 100 ? 2 : 0;
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
};
const times = (x: number | null | undefined): string => (typeof x === 'number' && Number.isFinite(x) ? `${x.toFixed(2)}×` : '—');

export function summarizeKernelRows(rows: readonly KernelRow[], peakTflops?: number): string[] {
  const hasAlone = rows.some((r) => r.aloneRatio !== undefined);
  const hasKernel = rows.some((r) => typeof r.kernelRatio === 'number');
  const head = ['pass', 'shape', 'batch', 'ours', 'TF.js', 'ratio'];
  if (hasAlone) head.push('ours alone', 'TF.js alone', 'ratio alone');
  if (hasKernel) head.push('ours (kernel)', 'TF.js (kernel)', 'ratio (kernel)');
  head.push('setting');
  if (peakTflops) head.push('% of peak');
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((h, i) => (i < 3 || h === 'setting' ? '---' : '---:')).join('|')}|`];
  for (const r of rows) {
    const d = describeShape(r.shape);
    const cells = [PASS[r.op] ?? r.op, d.shape, d.batch === undefined ? '' : String(d.batch), num(r.oursGflops), num(r.tfjsGflops), times(r.ratio)];
    if (hasAlone) cells.push(num(r.aloneGflops), num(r.tfjsAloneGflops), times(r.aloneRatio));
    if (hasKernel) cells.push(num(r.oursKernelGflops), num(r.tfjsKernelGflops), times(r.kernelRatio));
    cells.push(r.tuned ?? '');
    if (peakTflops) cells.push(typeof r.oursGflops === 'number' ? `${((100 * r.oursGflops) / (peakTflops * 1000)).toFixed(1)}%` : '—');
    lines.push(`| ${cells.join(' | ')} |`);
  }
  const convs = rows.filter((r) => r.op.startsWith('conv2d'));
  const verdict = (what: string, ratio: (r: KernelRow) => number | null | undefined): void => {
    const measured = convs.filter((r) => typeof ratio(r) === 'number' && Number.isFinite(ratio(r)));
    if (measured.length === 0) return;
    const short = measured.filter((r) => ratio(r)! < TARGET);
    lines.push(
      `- ${what}: ${measured.length - short.length} of ${measured.length} convolution rows at ${TARGET}× or more` +
        (short.length === 0
          ? '.'
          : `; below: ${short.map((r) => `${PASS[r.op]} ${describeShape(r.shape).shape} (batch ${describeShape(r.shape).batch}) ${times(ratio(r))}`).join(', ')}.`),
    );
  };
  lines.push('');
  verdict('Wall clock, both in one process', (r) => r.ratio);
  if (hasAlone) verdict('Each alone in its process', (r) => r.aloneRatio);
  if (hasKernel) verdict('GPU kernel time', (r) => r.kernelRatio);
  return lines;
}

function main(argv: readonly string[]): void {
  const files: string[] = [];
  let peak: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--peak-tflops') peak = Number(argv[++i]);
    else files.push(argv[i]!);
  }
  if (files.length === 0 || (peak !== undefined && !(peak > 0))) {
    throw new Error('usage: tsx bench/summarize-kernels.ts FILE.json [FILE.json ...] [--peak-tflops TFLOPS]');
  }
  const rows = files.flatMap((f) => {
    try {
      return JSON.parse(readFileSync(f, 'utf8')) as KernelRow[];
    } catch (e) {
      throw new Error(`summarize-kernels: ${f}: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
  for (const line of summarizeKernelRows(rows, peak)) console.log(line);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
