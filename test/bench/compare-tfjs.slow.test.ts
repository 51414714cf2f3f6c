/**
 * The TF.js comparison script runs mostly on lent GPU machines, where a broken script wastes
 * scarce time; here it runs end to end on Dawn's Null backend (commands validated, none run, so
 * its numbers mean nothing): its cases, both sides' timing, the kernel-time columns (the Null
 * backend offers timestamp queries) and the JSON rows.
 */
import { expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareWithTfjs } from '../../bench/compare-tfjs.js';

/** Runs the script with `argv` (JSON out); its rows and what it logged. */
async function compare(argv: string[]): Promise<{ rows: Record<string, unknown>[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((s: unknown) => void out.push(String(s)));
  const warn = vi.spyOn(console, 'error').mockImplementation((s: unknown) => void err.push(String(s)));
  try {
    await compareWithTfjs(['--null-backend', '--quick', '--batch', '1', '--budget-ms', '5', '--json', ...argv]);
  } finally {
    log.mockRestore();
    warn.mockRestore();
  }
  return { rows: JSON.parse(out.join('\n')) as Record<string, unknown>[], err };
}

it('compare-tfjs runs end to end on the Null backend, with the kernel-time columns, autotuned as on a GPU', async () => {
  const { rows, err } = await compare(['--filter', '14,14,512']);
  expect(rows.map((r) => r.op)).toEqual(['conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter']);
  for (const r of rows) {
    expect(r.shape).toBe('x[1,14,14,512] w[3,3,512,512]');
    for (const k of ['oursGflops', 'tfjsGflops', 'ratio']) expect(Number.isFinite(r[k])).toBe(true);
    // Timestamps the Null backend never wrote make NaN (null in JSON) or arbitrary numbers.
    for (const k of ['oursKernelGflops', 'tfjsKernelGflops', 'kernelRatio']) expect(k in r).toBe(true);
    // Not a software adapter: each case was autotuned first, and the row names the choice.
    expect(typeof r.tuned).toBe('string');
  }
  expect(err.join('\n')).toMatch(/ours: .* via null; tfjs 4\.\d+\.\d+/);
  const plain = await compare(['--filter', 'conv2d x[1,14,14,512]', '--no-autotune', '--no-kernel-time']);
  expect(plain.rows).toHaveLength(1);
  expect('tuned' in plain.rows[0]! || 'kernelRatio' in plain.rows[0]!).toBe(false);
});

it('compare-tfjs --alone times ours before TF.js loads and TF.js in a process of its own; --json-out keeps the rows', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'compare-')), 'rows.json');
  const { rows, err } = await compare(['--filter', 'conv2dBackpropInput x[1,14,14,512]', '--alone', '--no-kernel-time', '--json-out', file]);
  expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(rows);
  expect(rows).toHaveLength(1);
  const r = rows[0]!;
  for (const k of ['aloneGflops', 'tfjsAloneGflops', 'aloneRatio']) expect(Number.isFinite(r[k]), `${k} in ${JSON.stringify(r)} (${err.join(' ')})`).toBe(true);
  expect(r.aloneRatio).toBeCloseTo((r.aloneGflops as number) / (r.tfjsAloneGflops as number), 1);
});

it('compare-tfjs refuses an unknown flag, naming it, and --json-out without a file', async () => {
  await expect(compareWithTfjs(['--kernel-tme'])).rejects.toThrow(/unknown flag '--kernel-tme'/);
  await expect(compareWithTfjs(['--json-out', '--alone'])).rejects.toThrow(/--json-out needs a file name/);
});
