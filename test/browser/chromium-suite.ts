/**
 * The Chromium a browser suite runs in, and the `describe` to declare it with: without Chromium
 * the suite is skipped with a message naming `what`, except on CI (CI=true), where .ci/run
 * installs Chromium and its absence is a failure (`requireChromium` throws in the test).
 */
import { describe } from 'vitest';
import { findChromium } from './run-in-chromium.js';

export function chromiumSuite(what: string): { chromium: string | null; suite: typeof describe | typeof describe.skip; requireChromium: () => string } {
  const chromium = findChromium();
  const onCi = process.env.CI === 'true';
  if (!chromium && !onCi) console.warn(`${what} SKIPPED: no Chromium found (set CHROMIUM or install chromium)`);
  return {
    chromium,
    suite: chromium || onCi ? describe : describe.skip,
    requireChromium: () => {
      if (!chromium) throw new Error('no Chromium on CI: .ci/run should have installed the chromium package');
      return chromium;
    },
  };
}
