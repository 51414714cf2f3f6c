/**
 * The WebGPU backend in a real browser: headless Chromium with its SwiftShader adapter, through
 * navigator.gpu, bundled for the browser (no Dawn). Without Chromium the suite is skipped with a
 * message, except on CI (CI=true), where .ci/run installs it and its absence is a failure.
 */
import { expect, it } from 'vitest';
import { chromiumSuite } from './chromium-suite.js';
import type { MainPageReport as Report } from './entry.js';
import { runInChromium } from './run-in-chromium.js';

const { suite, requireChromium } = chromiumSuite('browser tests');

suite('WebGPU in headless Chromium (navigator.gpu)', () => {
  it('computes a small network and its gradients as the CPU float64 oracle does (its own kernels and those of real GPUs), profiles, and times kernels by GPU timestamps', async () => {
    const r = await runInChromium(requireChromium());
    expect(r.ok, r.error).toBe(true);
    const report = r.report as Report;
    expect(report.navigatorGpu).toBe(true);
    expect(report.info.name).toBe('webgpu');
    const parts = ['value', 'd/dx', 'd/dw', 'd/db', 'd/dd'];
    expect(report.checks.map((c) => c.name)).toEqual(['adapter kernels', 'gpu kernels'].flatMap((k) => parts.map((p) => `${k} ${p}`)));
    for (const c of report.checks) expect(c.relErr, `${c.name} on ${report.info.adapter}`).toBeLessThan(1e-4);
    // The forced real-GPU kernels did run: workgroup-memory tiles and the thin-product kernels.
    expect(report.gpuKernelVariants).toEqual(expect.arrayContaining(['tiled 64x64x16x2', 'matvec']));
    expect(report.profiled).toContain('webgpu.resizeBilinear');
    // Chromium's SwiftShader adapter has timestamp queries: the same work timed in place by the
    // GPU, each dispatch with a time of its own.
    expect(report.timed, "no 'timestamp-query' on this Chromium's adapter").not.toBeNull();
    expect(report.timed!.map((d) => d.kernel)).toEqual(report.profiled);
    for (const d of report.timed!) {
      expect(d.ms).toBeGreaterThan(0);
      expect(d.ms).toBeLessThan(1000);
    }
    expect(report.autotuned).toBeNull();
  }, 660_000);
});
