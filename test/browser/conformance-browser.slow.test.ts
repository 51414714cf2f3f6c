/**
 * The backend conformance suite in headless Chromium, on WebGPU (its SwiftShader adapter through
 * navigator.gpu) and on the WebAssembly backend: every row of the primitive table against the
 * float64 CPU oracle, one case each. Skipped without Chromium, except on CI, as the other browser
 * suite.
 */
import { expect, it } from 'vitest';
import type { ConformanceRow } from '../../src/testing/conformance.js';
import { primitiveTable } from '../../src/testing/primitive-table.js';
import { chromiumSuite } from './chromium-suite.js';
import { runInChromium } from './run-in-chromium.js';

const { suite, requireChromium } = chromiumSuite('browser tests');

suite('conformance in headless Chromium (navigator.gpu)', () => {
  it('every primitive, forward, VJP and second order, matches the float64 CPU oracle on WebGPU and WebAssembly', async () => {
    const r = await runInChromium(requireChromium(), { entry: 'conformance-entry.ts' });
    if (process.env.STIELTJES_BROWSER_VERBOSE) console.log(r.progress?.join('\n'));
    expect(r.ok, r.error).toBe(true);
    type Rows = { info: { name: string }; rows: ConformanceRow[] };
    const report = r.report as Rows & { navigatorGpu: boolean; wasm: Rows & { sharedMemory: boolean; crossOriginIsolated: boolean } };
    expect(report.navigatorGpu).toBe(true);
    expect(report.info.name).toBe('webgpu');
    expect(report.wasm.info.name).toBe('wasm');
    // Shared memory exactly where the page may have SharedArrayBuffer (cross-origin isolation).
    expect(report.wasm.sharedMemory).toBe(report.wasm.crossOriginIsolated);
    for (const [backend, rows] of [['webgpu', report.rows], ['wasm', report.wasm.rows]] as const) {
      expect(rows.map((row) => row.name)).toEqual(primitiveTable.map((row) => row.name));
      for (const row of rows) {
        expect(row.checks, `${backend} ${row.name}`).toBeGreaterThan(0);
        expect(row.ok, `${backend} ${row.name}: ${row.worst}: error ${row.error} > tolerance ${row.tolerance}`).toBe(true);
      }
    }
  }, 660_000);
});
