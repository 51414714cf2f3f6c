/** gradProperty: checkGrads as a fast-check property, so shapes and values are generated. */
import fc from 'fast-check';
import { cpuBackend } from '../kernels/cpu/cpu-backend.js';
import { Tensor } from '../tensor/tensor.js';
import type { Shape } from '../tensor/shape.js';
import { assertGrads, type CheckGradsOptions, type GradFn } from './check-grads.js';

/** One generated case: the function and its arguments (shape + float64 values each). */
export interface GradCase {
  f: GradFn;
  inputs: readonly { shape: Shape; values: Float64Array }[];
}

/**
 * A fast-check async property asserting the gradients of every generated case. Use with
 * `await fc.assert(gradProperty(arb), { numRuns: 50 })`.
 */
export function gradProperty<T extends GradCase>(arb: fc.Arbitrary<T>, opts: CheckGradsOptions = {}): fc.IAsyncPropertyWithHooks<[T]> {
  return fc.asyncProperty(arb, async (c) => {
    const cpu = cpuBackend();
    const inputs = c.inputs.map((x) => Tensor.fromStorage(cpu, cpu.upload(x.values, 'float64'), x.shape, 'float64'));
    try {
      await assertGrads(c.f, inputs, opts);
    } finally {
      for (const t of inputs) t.dispose();
    }
  });
}
