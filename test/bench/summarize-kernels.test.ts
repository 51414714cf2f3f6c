/**
 * The kernel comparison's rows as the docs' tables (bench/summarize-kernels.ts): shapes spelled
 * as the docs do, the columns present only where measured, and for each way of measuring how
 * many convolution rows meet 1.5× and which do not.
 */
import { expect, it } from 'vitest';
import { describeShape, summarizeKernelRows, type KernelRow } from '../../bench/summarize-kernels.js';

const rows: KernelRow[] = [
  { op: 'matmul', shape: 'a[1,512,512] b[1,512,512]', oursGflops: 1956, tfjsGflops: 3334, ratio: 0.59, tuned: 'tiled:32:0:k32' },
  { op: 'conv2d', shape: 'x[1,56,56,128] w[3,3,128,256]', oursGflops: 9656, tfjsGflops: 10772, ratio: 0.9, aloneGflops: 16000, tfjsAloneGflops: 10000, aloneRatio: 1.6, oursKernelGflops: 17000, tfjsKernelGflops: 10500, kernelRatio: 1.62, tuned: 'auto' },
  { op: 'conv2dBackpropInput', shape: 'x[8,224,224,3] w[3,3,3,64]', oursGflops: 1638, tfjsGflops: 1055, ratio: 1.55, aloneGflops: 1700, tfjsAloneGflops: 1200, aloneRatio: 1.42, kernelRatio: null },
];

it('spells convolution shapes as the docs do, with the batch apart', () => {
  expect(describeShape('x[8,56,56,128] w[3,3,128,256]')).toEqual({ shape: '56×56×128 → 256', batch: 8 });
  expect(describeShape('a[1,512,512] b[1,512,512]')).toEqual({ shape: 'a[1,512,512] b[1,512,512]' });
});

it('makes one markdown row per case and a verdict per way of measuring', () => {
  const lines = summarizeKernelRows(rows, 66.9);
  expect(lines[0]).toBe(
    '| pass | shape | batch | ours | TF.js | ratio | ours alone | TF.js alone | ratio alone | ours (kernel) | TF.js (kernel) | ratio (kernel) | setting | % of peak |',
  );
  expect(lines[2]).toBe('| matmul | a[1,512,512] b[1,512,512] |  | 1,956 | 3,334 | 0.59× | — | — | — | — | — | — | tiled:32:0:k32 | 2.9% |');
  expect(lines[3]).toBe('| forward | 56×56×128 → 256 | 1 | 9,656 | 10,772 | 0.90× | 16,000 | 10,000 | 1.60× | 17,000 | 10,500 | 1.62× | auto | 14.4% |');
  expect(lines).toContain('- Wall clock, both in one process: 1 of 2 convolution rows at 1.5× or more; below: forward 56×56×128 → 256 (batch 1) 0.90×.');
  expect(lines).toContain('- Each alone in its process: 1 of 2 convolution rows at 1.5× or more; below: input gradient 224×224×3 → 64 (batch 8) 1.42×.');
  // Only one row has a kernel time (the other's is null: not measured).
  expect(lines).toContain('- GPU kernel time: 1 of 1 convolution rows at 1.5× or more.');
});

it('leaves out the columns nothing measured', () => {
  const lines = summarizeKernelRows([{ op: 'conv2d', shape: 'x[1,14,14,512] w[3,3,512,512]', oursGflops: 13.5, tfjsGflops: 4.2, ratio: 3.21 }]);
  expect(lines[0]).toBe('| pass | shape | batch | ours | TF.js | ratio | setting |');
  expect(lines[2]).toBe('| forward | 14×14×512 → 512 | 1 | 13.50 | 4.20 | 3.21× |  |');
  expect(lines.filter((l) => l.startsWith('- '))).toEqual(['- Wall clock, both in one process: 1 of 1 convolution rows at 1.5× or more.']);
});
