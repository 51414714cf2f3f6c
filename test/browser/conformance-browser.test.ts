/**
 * The backend conformance suite in headless Chromium (WebGPU on its SwiftShader adapter through
 * navigator.gpu): every row of the primitive table against the float64 CPU oracle, one case each.
 * Skipped without Chromium, except on CI, as the other browser suite.
 */
import { describe, expect, it } from 'vitest';
import type { ConformanceRow } from '../../src/testing/conformance.js';
import { primitiveTable } from '../../src/testing/primitive-table.js';
import { findChromium, runInChromium } from './run-in-chromium.js';

const chromium = findChromium();
const suite = chromium || process.env.CI === 'true' ? describe : describe.skip;

suite('conformance in headless Chromium (navigator.gpu)', () => {
  it('every primitive, forward, VJP and second order, matches the float64 CPU oracle', async () => {
    if (!chromium) throw new Error('no Chromium on CI: .ci/run should have installed the chromium package');
    const r = await runInChromium(chromium, { entry: 'conformance-entry.ts' });
    if (process.env.STIELTJES_BROWSER_VERBOSE) console.log(r.progress?.join('\n'));
    expect(r.ok, r.error).toBe(true);
    const report = r.report as { info: { name: string }; navigatorGpu: boolean; rows: ConformanceRow[] };
    expect(report.navigatorGpu).toBe(true);
    expect(report.info.name).toBe('webgpu');
    expect(report.rows.map((row) => row.name)).toEqual(primitiveTable.map((row) => row.name));
    for (const row of report.rows) {
      expect(row.checks, row.name).toBeGreaterThan(0);
      expect(row.ok, `${row.name}: ${row.worst}: error ${row.error} > tolerance ${row.tolerance}`).toBe(true);
    }
  }, 660_000);
});
