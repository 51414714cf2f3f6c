/**
 * Runs in the browser (bundled by run-in-chromium.ts): the backend conformance suite on WebGPU
 * through navigator.gpu, every primitive's forward, VJP and second order against the float64 CPU
 * oracle. One small case per primitive (about 4–9 s of page time and 8 s of Chromium's CPU on 2
 * busy cores): SwiftShader compiles each pipeline on the CPU, and the Node suites (llvmpipe) run
 * more cases of the same table.
 */
import { createWebGpuBackend } from '../../src/kernels/webgpu/device.js';
import { runConformance } from '../../src/testing/conformance.js';
import { report, step } from './page-report.js';

report(async () => {
  await step('creating the backend');
  const gpu = await createWebGpuBackend();
  const rows = await runConformance(gpu, { runs: 1, seed: 3, secondOrder: true, onRow: (r) => step(`${r.name}${r.ok ? '' : ' FAILED'}`) });
  return { info: gpu.info(), navigatorGpu: typeof navigator !== 'undefined' && 'gpu' in navigator, rows };
});
