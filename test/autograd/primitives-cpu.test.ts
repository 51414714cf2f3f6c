/** Every primitive's VJP against float64 finite differences, and float32 against float64, on the CPU. */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { cpuBackend } from '../../src/tensor/engine.js';
import { gradProperty } from '../../src/testing/index.js';
import { primitiveCases } from '../../src/testing/primitive-cases.js';

describe('primitive gradients (CPU)', () => {
  for (const c of primitiveCases) {
    it(`${c.name}: VJP matches finite differences; float32 matches float64`, async () => {
      await fc.assert(gradProperty(c.arb, { backend: cpuBackend() }), { numRuns: 30, seed: 42 + c.name.length });
    });
  }
});
