/**
 * Suites for the workgroup-memory convolution kernel (conv2d-tiled.ts) that real GPUs get, forced
 * on whatever adapter runs the tests (kernelProfile 'gpu'), against the CPU float64 oracle: a tile
 * configuration's split-K, rows and columns that do not fill a tile, padding, strides, dilations,
 * bias and ReLU, operands split into binding-sized chunks, and a 1×1 convolution taken by matmul.
 * test/kernels/webgpu-conv-tiled.test.ts runs the default configuration; the slow tier's
 * webgpu-conv-tiled-variants.slow.test.ts every other tiling.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { GemmChoice } from '../../src/kernels/webgpu/gemm-choice.js';
import { formatGemmChoice } from '../../src/kernels/webgpu/gemm-choice-text.js';
import type { WebGpuBackend } from '../../src/kernels/webgpu/webgpu-backend.js';
import { checkConvPasses } from './conv-check.js';
import { convCaseArb, sameConv3x3, withSeed, type ConvCase as SharedConvCase } from './window-params.js';
import { arg, describeWebGpu, expectClose, recordDispatches, runBoth, seededValues, sumTolerance } from './webgpu.js';
import { propertyRuns } from '../../src/testing/runs.js';

type ConvCase = SharedConvCase & { seed: number };

/** Reduced channel counts of 16 or 32 take the tiled kernel; 20 and 68 leave ragged columns. */
const caseArb: fc.Arbitrary<ConvCase> = withSeed(
  convCaseArb({ maxN: 3, maxHW: 12, Cin: fc.constantFrom(16, 32, 20), Cout: fc.constantFrom(16, 32, 68), maxStride: [2, 2] }),
);

/** The variants dispatched while `fn` runs (to check that the tiled kernel was the one used). */
const variantsOf = async (gpu: WebGpuBackend, fn: () => Promise<void>): Promise<string[]> =>
  (await recordDispatches(gpu, fn)).map((d) => d.variant);

/** conv2d (with the given bias and ReLU) and conv2dBackpropInput of case `c` against the CPU; the variants dispatched. */
const checkForwardAndInputGradient = (gpu: WebGpuBackend, c: ConvCase, bias = true, relu = true): Promise<string[]> =>
  variantsOf(gpu, () => checkConvPasses(gpu, c, { bias, relu, filterGradient: false }));

/** Both passes took the tiled kernel where their reduced channel count allows it (a multiple of 16). */
function expectTiled(variants: string[], c: ConvCase): void {
  if (c.Cin % 16 === 0) expect(variants.some((v) => v.startsWith('tiled|forward')), 'tiled forward').toBe(true);
  if (c.Cout % 16 === 0) expect(variants.some((v) => v.startsWith('tiled|backpropInput')), 'tiled input gradient').toBe(true);
}

/** A suite with the given GEMM setting; `variant` matches the tiled kernel's variant it must run. */
export function tiledSuite(name: string, options: { gemm?: GemmChoice }, variant: RegExp): void {
  describeWebGpu(
    name,
    (gpu) => {
      it('conv2d (bias, ReLU) and conv2dBackpropInput match the CPU', async () => {
        let tiledRuns = 0;
        // 4 cases (each compares two passes with the CPU oracle and compiles kernels of its own on a
        // fresh llvmpipe; the slow tier runs 8, for every other tiling too, and
        // STIELTJES_PROPERTY_RUNS searches deeper).
        const runs = propertyRuns(4);
        await fc.assert(
          fc.asyncProperty(caseArb, fc.boolean(), fc.boolean(), async (c, withBias, relu) => {
            const variants = await checkForwardAndInputGradient(gpu(), c, withBias, relu);
            tiledRuns += variants.filter((v) => v.startsWith('tiled|')).length;
          }),
          { numRuns: runs },
        );
        // Two passes a case, most of them tiled.
        expect(tiledRuns).toBeGreaterThan(runs / 2);
      });

      it('VGG-shaped layers, split-K included, match the CPU', async () => {
        const seen: string[] = [];
        for (const c of [
          // 14×14×64 → 64: few tiles over a long K, split into segments.
          sameConv3x3(1, 14, 14, 64, 64, 5),
          // 130 rows over 128-row tiles (with tiled128), 132 columns over 128-column tiles.
          sameConv3x3(2, 5, 13, 16, 132, 6),
        ]) {
          const variants = await checkForwardAndInputGradient(gpu(), c);
          expectTiled(variants, c);
          if (c.Cin === 64) expect(variants.some((v) => v.startsWith('split-finish'))).toBe(true);
          seen.push(...variants);
        }
        // (A setting need not apply to every case: K steps of 32 do not divide 132 channels.)
        expect(seen.some((v) => variant.test(v)), `a variant matching ${variant}`).toBe(true);
      });

      it('matmul without transposes goes through it as a 1×1 convolution', async () => {
        for (const [M, K, N] of [[70, 48, 36], [200, 512, 132], [1, 64, 8]] as const) {
          const a = arg([1, M, K], seededValues(M * K, 1));
          const bm = arg([1, K, N], seededValues(K * N, 2));
          const variants = await variantsOf(gpu(), async () => {
            const r = await runBoth(gpu(), [a, bm], (be, [ta, tb]) => be.matmul(ta!, tb!, false, false));
            expectClose(r.gpu, r.cpu, sumTolerance(K, 1), 1e-5, `matmul ${M}×${K}×${N}`);
          });
          if (M >= 16) expect(variants.some((v) => v.startsWith('tiled|forward'))).toBe(true);
        }
      });
    },
    { kernelProfile: 'gpu', ...options },
  );
}

/** The tiled kernel's forward pass over the flattened K (variant flag k1). */
const isFlatForward = (v: string): boolean => /^tiled\|forward\|.*k1\|/.test(v);

// ':anyk': forward passes whose channels suit no K step (VGG's 3-channel first layer, 20
// channels) step over the flattened K with scalar loads; the input gradient stays direct.
const flatCaseArb: fc.Arbitrary<ConvCase> = withSeed(
  convCaseArb({ maxN: 2, maxHW: 12, Cin: fc.constantFrom(1, 3, 5, 20), Cout: fc.constantFrom(8, 16, 68), maxStride: [2, 2] }),
);
/** The forward pass over the flattened K with one GEMM choice. */
export function flatKSuite(choice: GemmChoice): void {
  describeWebGpu(
    `webgpu tiled convolution over the flattened K (${formatGemmChoice(choice)})`,
    (gpu) => {
      it('conv2d with any channel count, padding, strides and dilations matches the CPU', async () => {
        let flat = 0;
        // 6 cases (two passes each against the CPU oracle; STIELTJES_PROPERTY_RUNS searches deeper).
        const runs = propertyRuns(6);
        await fc.assert(
          fc.asyncProperty(flatCaseArb, fc.boolean(), fc.boolean(), async (c, withBias, relu) => {
            const variants = await checkForwardAndInputGradient(gpu(), c, withBias, relu);
            flat += variants.filter((v) => isFlatForward(v)).length;
            expect(variants.some((v) => v.startsWith('tiled|backpropInput') && /k1\|/.test(v))).toBe(false);
          }),
          { numRuns: runs },
        );
        // Most forward passes take the flattened K.
        expect(flat).toBeGreaterThan(runs / 2);
      });

      it("VGG's first layer (3 channels, K = 27 over steps of 8 or 16) and a split K match the CPU", async () => {
        // 3×3×31: K = 279, 18 steps of 16 over one tile, split in two where the choice fills the GPU.
        for (const c of [sameConv3x3(1, 20, 20, 3, 64, 11), sameConv3x3(1, 3, 3, 31, 8, 12)]) {
          const variants = await checkForwardAndInputGradient(gpu(), c);
          expect(variants.some((v) => isFlatForward(v))).toBe(true);
          if (c.Cin === 31 && choice.family === 'tiled' && choice.fillWorkgroups > 0) expect(variants.some((v) => v.startsWith('split-finish'))).toBe(true);
        }
      });

      it('matmul with an inner size no step divides goes through it too', async () => {
        for (const [M, K, N] of [[70, 27, 36], [33, 5, 8]] as const) {
          const a = arg([1, M, K], seededValues(M * K, 3));
          const bm = arg([1, K, N], seededValues(K * N, 4));
          const variants = await variantsOf(gpu(), async () => {
            const r = await runBoth(gpu(), [a, bm], (be, [ta, tb]) => be.matmul(ta!, tb!, false, false));
            expectClose(r.gpu, r.cpu, sumTolerance(K, 1), 1e-5, `matmul ${M}×${K}×${N}`);
          });
          expect(variants.some((v) => isFlatForward(v))).toBe(true);
        }
      });
    },
    { kernelProfile: 'gpu', gemm: choice },
  );
}

/** A batch dispatched in pieces: operands at offsets inside their binding windows. */
export function piecesSuite(): void {
describeWebGpu(
  'webgpu tiled convolution over a batch dispatched in pieces (32 KiB bindings)',
  (gpu) => {
    it('matches the CPU with the operands at offsets inside their windows, split-K included', async () => {
      for (const c of [
        sameConv3x3(4, 10, 10, 16, 32, 7),
        sameConv3x3(3, 14, 14, 32, 16, 8),
      ]) {
        const variants = await checkForwardAndInputGradient(gpu(), c);
        expectTiled(variants, c);
        expect(variants.filter((v) => v.startsWith('tiled|forward')).length).toBeGreaterThan(1);
        if (c.Cin === 32) expect(variants.some((v) => v.startsWith('split-finish'))).toBe(true);
      }
    });
  },
  { kernelProfile: 'gpu', maxBindingBytesOverride: 32768 },
);
}
