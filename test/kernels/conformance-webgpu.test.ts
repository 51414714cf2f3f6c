/**
 * The backend conformance suite on WebGPU (Dawn in Node; llvmpipe without a GPU): every row of
 * the primitive table, forward and VJP in float32, against the float64 CPU oracle; and memory that
 * stays flat over repeated forward + backward passes.
 */
import { expect, it } from 'vitest';
import * as op from '../../src/autograd/ops.js';
import { valueAndGrad } from '../../src/autograd/functional.js';
import { randomNormal } from '../../src/tensor/creation.js';
import { scope } from '../../src/tensor/scope.js';
import { propertyRuns } from '../../src/testing/runs.js';
import { conformanceTests } from '../helpers/conformance.js';
import { describeWebGpu } from '../helpers/webgpu.js';

describeWebGpu('conformance: WebGPU float32 against the float64 CPU oracle', (gpu) => {
  conformanceTests(gpu, { runs: propertyRuns(3), secondOrder: true });

  it('50 repetitions of a forward + backward pass leave the allocated GPU bytes flat', async () => {
    const be = gpu();
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
    const before = be.bytesInUse();
    for (let i = 0; i < 50; i++) await step();
    expect(be.bytesInUse()).toBe(before);
    x.dispose();
    w.dispose();
  });
});
