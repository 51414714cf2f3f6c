/**
 * WebGpuBackend.autotune: the GEMM-shaped ops of the tuned work are recorded once per problem,
 * every candidate that changes the kernels is checked against the default's output and timed,
 * the fastest by a margin is kept and used afterwards, and choices round-trip through
 * `tuning()` and `createWebGpuBackend({ tuning })`. Run with the real-GPU kernel profile, so
 * that the tiled, split-K and matvec variants are among the candidates (and cross-checked).
 */
import { expect, it } from 'vitest';
import * as op from '../../src/autograd/ops.js';
import { vjp } from '../../src/autograd/functional.js';
import { CpuBackend } from '../../src/kernels/cpu/cpu-backend.js';
import { autotuneWork, candidateChoices, GemmTuner } from '../../src/kernels/webgpu/gemm-autotune.js';
import { formatGemmChoice, parseGemmChoice } from '../../src/kernels/webgpu/gemm-choice-text.js';
import type { GemmSelection } from '../../src/kernels/webgpu/gemm-plan.js';
import { gemmTuningTable } from '../../src/kernels/webgpu/gemm-tuning-table.js';
import { createInstrumentedWebGpuBackend } from '../../src/kernels/webgpu/instrumented-backend.js';
import { matmul } from '../../src/kernels/webgpu/kernels/matmul.js';
import type { WebGpuBackend } from '../../src/kernels/webgpu/webgpu-backend.js';
import { fromArray } from '../../src/tensor/creation.js';
import type { Backend, TensorInfo } from '../../src/kernels/backend.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { describeWebGpu, expectClose, recordDispatches, seededValues } from '../helpers/webgpu.js';

/** conv (16 → 16 channels, bias + ReLU) then a dense layer; its value and input gradient. */
function net(backend: Backend) {
  const dtype = backend.name === 'cpu' ? 'float64' : 'float32';
  const x = fromArray(seededValues(2 * 12 * 12 * 16, 1), [2, 12, 12, 16], { backend, dtype });
  const w = fromArray(seededValues(3 * 3 * 16 * 16, 2, -0.3, 0.3), [3, 3, 16, 16], { backend, dtype });
  const b = fromArray(seededValues(16, 3), [16], { backend, dtype });
  const d = fromArray(seededValues(12 * 12 * 16 * 8, 4, -0.1, 0.1), [12 * 12 * 16, 8], { backend, dtype });
  const run = (): { y: Tensor; gx: Tensor } => {
    const r = vjp((xi) => {
      const h = op.conv2d(xi, w, { padding: 'same', bias: b, activation: 'relu' });
      return op.sum(op.matmul(op.reshape(h, [2, 12 * 12 * 16]), d));
    }, x);
    const [gx] = r.pullback();
    return { y: r.value, gx: gx! };
  };
  return { run, dispose: () => [x, w, b, d].forEach((t) => t.dispose()) };
}

/** Choices in their benchmark spelling (gemm-choice-text.ts), for short candidate lists. */
const choices = (...texts: string[]) => texts.map(parseGemmChoice);

async function values(r: { y: Tensor; gx: Tensor }): Promise<{ y: number[]; gx: number[] }> {
  const out = { y: Array.from(await r.y.data()), gx: Array.from(await r.gx.data()) };
  r.y.dispose();
  r.gx.dispose();
  return out;
}

describeWebGpu(
  'webgpu autotune',
  (gpu) => {
    const cpu = new CpuBackend();
    // The float64 CPU result, computed once: every check compares with the same net and inputs.
    let want: Promise<{ y: number[]; gx: number[] }> | undefined;
    const expected = () =>
      (want ??= (async () => {
        const c = net(cpu);
        const v = await values(c.run());
        c.dispose();
        return v;
      })());
    const check = async (got: { y: number[]; gx: number[] }, what: string) => {
      const want = await expected();
      expectClose(got.y, want.y, 1e-3, 1e-4, `${what}: value`);
      expectClose(got.gx, want.gx, 1e-4, 1e-4, `${what}: input gradient`);
    };

    it('tunes each distinct product and convolution once, cross-checks the variants and keeps the fastest', async () => {
      const g = net(gpu());
      let inside: { y: Tensor; gx: Tensor } | undefined;
      const progress: [number, number][] = [];
      const report = await gpu().autotune(
        () => {
          inside = g.run();
        },
        // tiled:64:0:0 makes the same kernels as tiled:64:0: measured once. Two candidates: one
        // that differs is compiled, cross-checked and timed (some 50 ms of CPU a timing on
        // llvmpipe) for every problem; every candidate, on a first layer, is timed in
        // webgpu-autotune.slow.test.ts, and the direct kernel is a candidate in the tests below.
        { candidates: choices('tiled:64:0', 'tiled:64:0:0'), onProgress: (d, t) => progress.push([d, t]) },
      );
      // The work itself ran normally.
      await check(await values(inside!), 'the tuned function');

      const ops = report.problems.map((p) => p.key.split(' ')[0]).sort();
      expect(ops).toEqual(['conv2d', 'conv2dBackpropInput', 'matmul', 'matmul']);
      expect(new Set(report.problems.map((p) => p.key)).size).toBe(report.problems.length);
      expect(progress).toEqual(report.problems.map((_, i) => [i + 1, report.problems.length]));
      for (const p of report.problems) {
        expect(p.candidates.map((c) => c.choice)).toEqual(choices('auto', 'tiled:64:0', 'tiled:64:0:0'));
        // Every variant that ran agreed with the default's output (none rejected).
        expect(p.candidates.filter((c) => c.skipped?.startsWith('result differs'))).toEqual([]);
        const dup = p.candidates.find((c) => formatGemmChoice(c.choice) === 'tiled:64:0:0')!;
        // The same kernels as tiled:64:0 (or as auto, where that is what auto runs).
        expect(dup.skipped).toMatch(/^same kernels as (tiled:64:0|auto)$/);
        const timed = p.candidates.filter((c) => c.ms !== undefined);
        for (const c of timed) expect(c.ms).toBeGreaterThan(0);
        const auto = p.candidates[0]!.ms!;
        const best = timed.reduce((a, c) => (c.ms! < a.ms! ? c : a));
        // A variant is chosen only when it beat the default by 10%, twice (the times are each
        // candidate's best); otherwise the default stays.
        expect(p.changed).toBe(p.chosen.family !== 'auto');
        expect(p.chosenName).toBe(formatGemmChoice(p.chosen));
        if (p.changed) {
          expect(p.chosen).toEqual(best.choice);
          expect(best.ms!).toBeLessThan(auto * 0.9);
        }
      }
      const changed = report.problems.filter((p) => p.changed);
      expect(report.changed).toBe(changed.length);
      // tuning() lists every problem tuned, { family: 'auto' } where the default stayed, in a versioned table.
      expect(gpu().tuning()).toEqual(gemmTuningTable(Object.fromEntries(report.problems.map((p) => [p.key, p.chosen]))));
      expect(JSON.parse(JSON.stringify(gpu().tuning()))).toEqual(gpu().tuning());
      // With the choices in force, the results are still right; tuning again finds nothing new.
      const again = await gpu().autotune(async () => check(await values(g.run()), 'after tuning'));
      expect(again.problems).toEqual([]);
      // Unless asked to tune again (with 'auto' alone, which makes the default's kernels: nothing
      // but the default is timed); a candidate that is not a GemmChoice is refused before anything runs.
      const retuned = await gpu().autotune(() => values(g.run()), { retune: true, candidates: choices('auto') });
      expect(retuned.problems.map((p) => p.key).sort()).toEqual(report.problems.map((p) => p.key).sort());
      let ran = false;
      const bad = { family: 'tiled', tile: { rows: 48, cols: 48 }, fillWorkgroups: 0 } as unknown as GemmSelection['choice'];
      await expect(gpu().autotune(() => (ran = true), { candidates: [bad] })).rejects.toThrow(/webgpu\.autotune: candidate 1: GEMM choice .*tile must be/);
      expect(ran).toBe(false);
      g.dispose();
    });

    it('runs a problem with the choice a tuning table gives it, and refuses a bad choice by its key', async () => {
      const key = 'conv2d [2,12,12,16] [3,3,16,16] [16] s1,1 d1,1 p1,1,1,1 o12x12 relu';
      const table = gemmTuningTable({ [key]: { family: 'direct', block: { RM: 2, CN: 2, WX: 8, WY: 32 } } });
      // Through JSON, as the CLI's cache file carries it.
      const tuned = await createInstrumentedWebGpuBackend({ kernelProfile: 'gpu', tuning: JSON.parse(JSON.stringify(table)) });
      // Untuned (the suite's backend has been tuned by now).
      const plain = await createInstrumentedWebGpuBackend({ kernelProfile: 'gpu' });
      try {
        const convVariants = async (b: WebGpuBackend) => {
          const g = net(b);
          let v: { y: number[]; gx: number[] } | undefined;
          const seen = await recordDispatches(b, async () => {
            v = await values(g.run());
          });
          g.dispose();
          await check(v!, b === tuned ? 'tuned backend' : 'untuned backend');
          return seen.filter((d) => d.kernel === 'webgpu.conv2d').map((d) => d.variant);
        };
        const [mine, theirs] = [await convVariants(tuned), await convVariants(plain)];
        expect(mine).toHaveLength(1);
        // The default runs the tiled kernel here; the table asks for the direct one with 2×2 blocks.
        expect(theirs[0]).toMatch(/^tiled\|/);
        expect(mine[0]).toMatch(/^forward\|.*\|2x2\|8x32$/);
        expect(tuned.tuning()).toEqual(table);
      } finally {
        tuned.dispose();
        plain.dispose();
      }
      await expect(createInstrumentedWebGpuBackend({ tuning: { ...table, choices: { [key]: { family: 'tiled', fillWorkgroups: -1 } } } })).rejects.toThrow(`webgpu tuning for '${key}'`);
    });

    it('rejects a variant whose result disagrees with the default, and never chooses it', async () => {
      const tuner = new GemmTuner({ softwareAdapter: false, choice: { family: 'auto' } });
      const ex = gpu().executor;
      // A problem whose 'direct' variant computes b·a instead of a·b: wrong, and reported so.
      const problem = {
        key: 'test: a·b',
        inputs: [[1, 16, 16], [1, 16, 16]],
        run: (gemm: GemmSelection, [a, b]: readonly (TensorInfo | null)[]) =>
          gemm.choice.family === 'direct' ? matmul(ex, { a: b!, b: a!, transA: false, transB: false }, gemm) : matmul(ex, { a: a!, b: b!, transA: false, transB: false }, gemm),
      };
      const report = await autotuneWork(ex, tuner, () => tuner.use(problem), { candidates: choices('direct', 'tiled:32:0') });
      const [p] = report.problems;
      expect(p!.candidates[1]).toMatchObject({ choice: { family: 'direct' } });
      expect(p!.candidates[1]!.skipped).toMatch(/^result differs from auto's by [\d.e+-]+ of its largest value$/);
      expect(p!.candidates[1]!.ms).toBeUndefined();
      expect(p!.chosen.family).not.toBe('direct');
      expect(p!.candidates[2]!.skipped ?? 'timed').toBe('timed');

      // A variant that fails is passed over, and tuning goes on; a failing default is an error.
      const failing = {
        ...problem,
        key: 'test: refused',
        run: (gemm: GemmSelection, ins: readonly (TensorInfo | null)[]) => {
          if (gemm.choice.family === 'direct') throw new Error('refused by this adapter');
          return problem.run(gemm, ins);
        },
      };
      const r2 = await autotuneWork(ex, tuner, () => tuner.use(failing), { candidates: choices('direct', 'tiled:32:0') });
      expect(r2.problems[0]!.candidates.map((c) => c.skipped ?? 'timed')).toEqual(['timed', 'failed: refused by this adapter', 'timed']);
      const broken = { ...problem, key: 'test: broken', run: () => { throw new Error('default broken'); } };
      await expect(autotuneWork(ex, tuner, () => tuner.use(broken), { candidates: choices('direct') })).rejects.toThrow('default broken');
    });

    it('passes on the error of a failing function, and does not tune while profiling', async () => {
      await expect(
        gpu().autotune(() => {
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      await expect(gpu().profile(() => gpu().autotune(() => {}))).rejects.toThrow(/cannot tune while a profile is being recorded/);
      // Neither left recording on: a later tune sees its own ops only.
      const a = fromArray(seededValues(5 * 7, 9), [1, 5, 7], { backend: gpu() });
      const report = await gpu().autotune(async () => {
        const y = op.matmul(a, op.transpose(a, [0, 2, 1]));
        await y.data();
        y.dispose();
      }, { candidates: choices('direct') });
      expect(report.problems.map((p) => p.key)).toEqual(['matmul [1,5,7] [1,7,5]']);
      a.dispose();
    });
  },
  { kernelProfile: 'gpu' },
);
