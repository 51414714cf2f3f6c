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
  conformanceTests(gpu, { runs: propertyRuns(3), secondOrder: true });

  it('50 repetitions of a forward + backward pass leave the allocated GPU bytes flat', async () => {
    const r = await repeatedTrainingStep(gpu(), 50);
    expect(r.afterAll).toBe(r.after1);
    r.dispose();
  });
});
