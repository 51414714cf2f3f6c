/**
 * The WebAssembly thread pool in headless Chromium: on Web Workers from the page's main thread
 * when the page is cross-origin isolated (COOP/COEP headers), and the serial fallback with a
 * reason when it is not. Skipped without Chromium, except on CI, as the other browser suites.
 */
import { expect, it } from 'vitest';
import { chromiumSuite } from './chromium-suite.js';
import { runInChromium } from './run-in-chromium.js';

const { suite, requireChromium } = chromiumSuite('browser tests');

suite('WebAssembly thread pool in headless Chromium', () => {
  it('runs kernels on 3 threads from the main thread of an isolated page, exactly as the serial runner', async () => {
    const r = await runInChromium(requireChromium(), { entry: 'threads-entry.ts', isolated: true });
    expect(r.ok, `${r.error}\n${r.progress?.join('\n')}`).toBe(true);
    const report = r.report as { isolated: boolean; support: { available: boolean; cores: number }; threads: number; mismatches: number; workerChunks: number; stale: number; trap: string; lateOk: boolean };
    expect(report.isolated).toBe(true);
    expect(report.support.available).toBe(true);
    expect(report.support.cores).toBeGreaterThanOrEqual(1);
    expect(report.threads).toBe(3);
    expect(report.mismatches).toBe(0);
    expect(report.workerChunks).toBeGreaterThan(0);
    expect(report.stale).toBe(0);
    expect(report.trap).toMatch(/^wasm kernel trapper: 'work' failed over items \[\d+, \d+\) on (worker \d|the calling thread): RuntimeError: unreachable/);
    expect(report.lateOk).toBe(true);
  }, 660_000);

  it('falls back to one thread, and says why, on a page that is not isolated', async () => {
    const r = await runInChromium(requireChromium(), { entry: 'threads-entry.ts' });
    expect(r.ok, `${r.error}\n${r.progress?.join('\n')}`).toBe(true);
    const report = r.report as { isolated: boolean; support: { available: boolean; reason?: string }; threads: number };
    expect(report.isolated).toBe(false);
    expect(report.support.available).toBe(false);
    expect(report.support.reason).toMatch(/cross-origin isolated/);
    expect(report.threads).toBe(1);
  }, 660_000);
});
