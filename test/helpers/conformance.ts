/**
 * Registers the backend conformance suite (src/testing/conformance.ts) as one vitest test per row
 * of the primitive table, for the backend that `backend()` returns when the tests run.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { Backend } from '../../src/kernels/backend.js';
import * as op from '../../src/autograd/ops.js';
import { valueAndGrad } from '../../src/autograd/functional.js';
import { randomNormal } from '../../src/tensor/creation.js';
import { scope } from '../../src/tensor/scope.js';
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

/**
 * Runs one forward + backward pass of a small CNN (conv, ReLU, max pool, sum; the filter's
 * gradient read back) 1 + `repeats` times on `be`, and returns `measure()` (default: the bytes in
 * use) after the first pass and after the last, for tests that disposed tensors return their memory.
 */
export async function repeatedTrainingStep<T = number>(
  be: Backend,
  repeats: number,
  measure: () => T = () => be.bytesInUse() as T,
): Promise<{ after1: T; afterAll: T; dispose: () => void }> {
  const x = randomNormal([2, 12, 12, 3], 0, 1, { backend: be, seed: 1 });
  const w = randomNormal([3, 3, 3, 8], 0, 0.3, { backend: be, seed: 2 });
  const step = async (): Promise<void> => {
    const g = scope(() => {
      const { grads } = valueAndGrad((a, b) => op.sum(op.maxPool2d(op.relu(op.conv2d(a, b, { padding: 'same' })))))(x, w);
      return grads[1]!;
    });
    await g.data();
    g.dispose();
  };
  await step();
  const after1 = measure();
  for (let i = 0; i < repeats; i++) await step();
  return { after1, afterAll: measure(), dispose: () => { x.dispose(); w.dispose(); } };
}
