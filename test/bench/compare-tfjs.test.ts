/**
 * The TF.js comparison script runs mostly on lent GPU machines, where a broken script wastes
 * scarce time; here it runs end to end on Dawn's Null backend (commands validated, none run, so
 * its numbers mean nothing): its cases, both sides' timing, the kernel-time columns (the Null
 * backend offers timestamp queries) and the JSON rows.
 */
import { expect, it, vi } from 'vitest';
import { compareWithTfjs } from '../../bench/compare-tfjs.js';

it('compare-tfjs runs end to end on the Null backend, with the kernel-time columns', async () => {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((s: unknown) => void out.push(String(s)));
  const warn = vi.spyOn(console, 'error').mockImplementation((s: unknown) => void err.push(String(s)));
  try {
    await compareWithTfjs(['--null-backend', '--quick', '--batch', '1', '--filter', '14,14,512', '--budget-ms', '5', '--json']);
  } finally {
    log.mockRestore();
    warn.mockRestore();
  }
  const rows = JSON.parse(out.join('\n')) as Record<string, unknown>[];
  expect(rows.map((r) => r.op)).toEqual(['conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter']);
  for (const r of rows) {
    expect(r.shape).toBe('x[1,14,14,512] w[3,3,512,512]');
    for (const k of ['oursGflops', 'tfjsGflops', 'ratio']) expect(Number.isFinite(r[k])).toBe(true);
    // Timestamps the Null backend never wrote make NaN (null in JSON) or arbitrary numbers.
    for (const k of ['oursKernelGflops', 'tfjsKernelGflops', 'kernelRatio']) expect(k in r).toBe(true);
  }
  expect(err.join('\n')).toMatch(/ours: .* via null; tfjs 4\.\d+\.\d+/);
});

it('compare-tfjs refuses an unknown flag, naming it', async () => {
  await expect(compareWithTfjs(['--kernel-tme'])).rejects.toThrow(/unknown flag '--kernel-tme'/);
});
