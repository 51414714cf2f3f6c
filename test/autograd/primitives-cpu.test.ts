/**
 * The float64 oracle: every row of the primitive table, its VJP against central finite differences
 * in float64 on the CPU (backends are compared with this oracle by the conformance suites).
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { gradProperty } from '../../src/testing/grad-property.js';
import { primitiveTable } from '../../src/testing/primitive-table.js';
import { propertyRuns } from '../../src/testing/runs.js';

describe('primitive gradients (CPU float64 against finite differences)', () => {
  for (const row of primitiveTable) {
    it(`${row.name}: VJP matches finite differences`, async () => {
      await fc.assert(gradProperty(row.cases, { ...row.tolerance }), { numRuns: propertyRuns(10) });
    });
  }
});
