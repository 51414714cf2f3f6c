/**
 * The backend conformance suite on WebGPU (Dawn in Node; llvmpipe without a GPU): every row of
 * the primitive table, forward and VJP in float32, against the float64 CPU oracle; and memory that
 * stays flat over repeated forward + backward passes.
 */
import { expect, it } from 'vitest';
import { propertyRuns } from '../../src/testing/runs.js';
import { conformanceTests, repeatedTrainingStep } from '../helpers/conformance.js';
import { describeWebGpu } from '../helpers/webgpu.js';

describeWebGpu('conformance: WebGPU float32 against the float64 CPU oracle', (gpu) => {
  // 2 random cases a row (each case, with its second order, runs a dozen dispatches or more on
  // llvmpipe); conformance-webgpu.slow.test.ts runs 6 a row in the slow tier.
  conformanceTests(gpu, { runs: propertyRuns(2), secondOrder: true });

  // 10 repetitions: a buffer kept per pass shows after the first; webgpu-device.test.ts runs 20
  // passes of another network with the pool's counters (live, pooled and created bytes).
  it('10 repetitions of a forward + backward pass leave the allocated GPU bytes flat', async () => {
    const r = await repeatedTrainingStep(gpu(), 10);
    expect(r.afterAll).toBe(r.after1);
    r.dispose();
  });
});
