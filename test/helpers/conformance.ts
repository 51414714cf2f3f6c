/**
 * Registers the backend conformance suite (src/testing/conformance.ts) as one vitest test per row
 * of the primitive table, for the backend that `backend()` returns when the tests run.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { Backend } from '../../src/kernels/backend.js';
import { runConformance } from '../../src/testing/conformance.js';
import { primitiveTable } from '../../src/testing/primitive-table.js';

export function conformanceTests(backend: () => Backend, opts: { runs: number; secondOrder?: boolean }): void {
  for (const row of primitiveTable) {
    const what = opts.secondOrder && row.secondOrder ? 'forward, VJP and second order' : 'forward and VJP';
    it(`${row.name}: ${what} match the float64 CPU oracle`, async () => {
      // The suite's fast-check seed (test/setup.ts: FC_SEED), or a fresh one under FC_SEED=random.
      const seed = (fc.readConfigureGlobal().seed as number | undefined) ?? Math.floor(Math.random() * 2 ** 31);
      const [r] = await runConformance(backend, { only: [row.name], runs: opts.runs, seed, secondOrder: opts.secondOrder });
      expect(r!.cases).toBe(opts.runs);
      expect(r!.checks).toBeGreaterThan(0);
      expect(r!.ok, `seed ${seed}, ${r!.worst}: error ${r!.error} > tolerance ${r!.tolerance}`).toBe(true);
    });
  }
}
