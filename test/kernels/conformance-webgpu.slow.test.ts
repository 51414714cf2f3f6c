/**
 * The backend conformance suite on WebGPU with more random cases a row than the default tier's
 * conformance-webgpu.test.ts (slow tier: STIELTJES_TESTS=all): every row of the primitive table,
 * forward, VJP and second order in float32, against the float64 CPU oracle.
 */
import { propertyRuns } from '../../src/testing/runs.js';
import { conformanceTests } from '../helpers/conformance.js';
import { describeWebGpu } from '../helpers/webgpu.js';

describeWebGpu('conformance: WebGPU float32 against the float64 CPU oracle, 6 cases a row', (gpu) => {
  conformanceTests(gpu, { runs: propertyRuns(6), secondOrder: true });
});
