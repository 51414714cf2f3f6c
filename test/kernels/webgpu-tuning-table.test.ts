/**
 * The WebGPU tuning table (gemm-tuning-table.ts): versioned JSON of GemmChoice values; a table
 * of an older release or another format is recognised and ignored with a reason, a corrupt one
 * of this version is an error naming the problem.
 */
import { expect, it } from 'vitest';
import { GEMM_TUNING_FORMAT, GEMM_TUNING_VERSION, gemmTuningTable, readGemmTuningTable } from '../../src/kernels/webgpu/gemm-tuning-table.js';

const key = 'conv2d [1,14,14,512] [3,3,512,512] [512] s1,1 d1,1 p1,1,1,1 o14x14 relu';

it('reads back what it writes, through JSON', () => {
  const table = gemmTuningTable({ [key]: { family: 'tiled', tile: { rows: 32, cols: 32 }, fillWorkgroups: 0, kStep: 32 }, 'matmul [1,1,4096] [1,4096,10]': { family: 'auto' } });
  expect(table).toMatchObject({ format: GEMM_TUNING_FORMAT, version: GEMM_TUNING_VERSION });
  const read = readGemmTuningTable(JSON.parse(JSON.stringify(table)));
  expect('choices' in read && Object.fromEntries(read.choices)).toEqual(table.choices);
});

it('ignores, with a one-line reason, an older release’s table, another version and other JSON', () => {
  expect(readGemmTuningTable({ [key]: 'tiled:32:0:k32' })).toEqual({ ignored: 'a tuning table from an older release (no version)' });
  expect(readGemmTuningTable({ format: GEMM_TUNING_FORMAT, version: 99, choices: {} })).toEqual({ ignored: `tuning table version 99, this release reads version ${GEMM_TUNING_VERSION}` });
  expect(readGemmTuningTable({ format: 'something-else', version: 1, choices: {} })).toEqual({ ignored: 'not a WebGPU GEMM tuning table' });
  expect(readGemmTuningTable(null)).toEqual({ ignored: 'not a tuning table' });
  for (const r of [readGemmTuningTable({ [key]: 'direct' }), readGemmTuningTable([])]) expect('ignored' in r && r.ignored).not.toMatch(/\n/);
});

it('refuses a table of this version holding something that is not a choice, naming the problem', () => {
  const bad = { format: GEMM_TUNING_FORMAT, version: GEMM_TUNING_VERSION, choices: { [key]: 'tiled:32:0' } };
  expect(() => readGemmTuningTable(bad)).toThrow(`webgpu tuning for '${key}': GEMM choice "tiled:32:0": not an object`);
});
