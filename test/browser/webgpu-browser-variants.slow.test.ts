/**
 * The slow tier's browser page (?variants): besides what webgpu-browser.slow.test.ts checks, the other
 * real-GPU tilings (32×32 tiles, K steps of 32) and autotuning, in headless Chromium through
 * navigator.gpu on its SwiftShader adapter. Without Chromium the suite is skipped with a
 * message, except on CI (CI=true), where .ci/run installs it and its absence is a failure.
 */
import { expect, it } from 'vitest';
import { chromiumSuite } from './chromium-suite.js';
import type { MainPageReport as Report } from './entry.js';
import { runInChromium } from './run-in-chromium.js';

const { suite, requireChromium } = chromiumSuite('browser tests');

suite('WebGPU in headless Chromium: every kernel variant, and autotuning', () => {
  it('computes a small network and its gradients as the CPU float64 oracle does with every forced tiling, and after autotuning', async () => {
    const r = await runInChromium(requireChromium(), { query: 'variants' });
    expect(r.ok, r.error).toBe(true);
    const report = r.report as Report;
    const parts = ['value', 'd/dx', 'd/dw', 'd/db', 'd/dd'];
    expect(report.checks.map((c) => c.name)).toEqual(['adapter kernels', 'gpu kernels', 'gpu kernels, 32×32 tiles', 'gpu kernels, K steps of 32', 'gpu kernels, autotuned'].flatMap((k) => parts.map((p) => `${k} ${p}`)));
    for (const c of report.checks) expect(c.relErr, `${c.name} on ${report.info.adapter}`).toBeLessThan(1e-4);
    expect(report.gpuKernelVariants).toEqual(expect.arrayContaining(['tiled 64x64x16x2', 'tiled 32x32x8x2', 'tiled 32x32x32x2', 'matvec']));
    // Autotuning ran there: the network's convolution passes and products, several variants each
    // timed, none failing or disagreeing with the default.
    const tuned = report.autotuned!;
    expect(tuned, 'the ?variants page autotunes').not.toBeNull();
    expect(new Set(tuned.problems)).toEqual(new Set(['conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter', 'matmul']));
    expect(tuned.timed).toBeGreaterThan(tuned.problems.length);
    expect(tuned.skipped).toEqual([]);
  }, 660_000);
});
