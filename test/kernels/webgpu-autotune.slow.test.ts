/**
 * WebGpuBackend.autotune with every default GPU candidate (slow tier: STIELTJES_TESTS=all): each
 * candidate compiles its own kernels on llvmpipe and is timed, so webgpu-autotune.test.ts tunes
 * with three candidates and this file runs the whole list once, on a first layer (3 channels),
 * where the flattened K and the split taps are among the variants run.
 */
import { expect, it } from 'vitest';
import * as op from '../../src/autograd/ops.js';
import { vjp } from '../../src/autograd/functional.js';
import { candidateChoices } from '../../src/kernels/webgpu/gemm-autotune.js';
import type { WebGpuBackend } from '../../src/kernels/webgpu/webgpu-backend.js';
import { fromArray } from '../../src/tensor/creation.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { describeWebGpu, seededValues } from '../helpers/webgpu.js';

describeWebGpu(
  'webgpu autotune, every candidate',
  (gpu) => {
    it("a first layer (3 channels) with every GPU candidate: the flattened K and split taps run, agree and are timed", async () => {
      const x = fromArray(seededValues(1 * 20 * 20 * 3, 5), [1, 20, 20, 3], { backend: gpu() });
      const w = fromArray(seededValues(3 * 3 * 3 * 16, 6), [3, 3, 3, 16], { backend: gpu() });
      const b = fromArray(seededValues(16, 7), [16], { backend: gpu() });
      const layer = (xi: Tensor): Tensor => op.sum(op.conv2d(xi, w, { padding: 'same', bias: b, activation: 'relu' }));
      const seen: string[] = [];
      const ex = gpu().executor;
      const original = ex.dispatch.bind(ex);
      ex.dispatch = (d) => {
        seen.push(d.variant);
        original(d);
      };
      let report: Awaited<ReturnType<WebGpuBackend['autotune']>>;
      try {
        report = await gpu().autotune(async () => {
          const r = vjp(layer, x);
          const [gx] = r.pullback();
          await gx!.data();
          r.value.dispose();
          gx!.dispose();
        });
      } finally {
        ex.dispatch = original;
      }
      const convs = report.problems.filter((p) => p.key.startsWith('conv2d'));
      expect(convs.map((p) => p.key.split(' ')[0]).sort()).toEqual(['conv2d', 'conv2dBackpropInput']);
      for (const p of convs) {
        // Every default GPU candidate was considered; none failed or disagreed with the default.
        expect(p.candidates.map((c) => c.choice)).toEqual([{ family: 'auto' }, ...candidateChoices(false)]);
        expect(p.candidates.filter((c) => c.skipped !== undefined && !c.skipped.startsWith('same kernels as'))).toEqual([]);
      }
      // Among the variants run: the tiled kernel over the flattened K (forward) and the direct
      // kernel with its taps split (both passes).
      expect(seen.some((v) => /^tiled\|forward\|.*k1\|/.test(v))).toBe(true);
      expect(seen.some((v) => /^forward\|.*s1\|/.test(v))).toBe(true);
      expect(seen.some((v) => /^backpropInput\|.*s1\|/.test(v))).toBe(true);
      for (const t of [x, w, b]) t.dispose();
    });
  },
  { kernelProfile: 'gpu' },
);
