/**
 * Runs in the browser (bundled by run-in-chromium.ts): the backend conformance suite, every
 * primitive's forward, VJP and second order against the float64 CPU oracle, on WebGPU through
 * navigator.gpu and on the WebAssembly backend. One small case per primitive (about 4–9 s of page
 * time and 8 s of Chromium's CPU on 2 busy cores for WebGPU: SwiftShader compiles each pipeline
 * on the CPU; the WebAssembly rows take well under a second), as the Node suites run more cases
 * of the same table. Where the page is not cross-origin isolated there is no SharedArrayBuffer and
 * the WebAssembly memory is a plain one: the report says which this run had.
 */
import { createSerialWasmBackend } from '../../src/kernels/wasm/create-wasm-backend.js';
import { createWebGpuBackend } from '../../src/kernels/webgpu/device.js';
import { runConformance } from '../../src/testing/conformance.js';
import { report, step } from './page-report.js';

report(async () => {
  await step('creating the WebAssembly backend');
  const wasm = createSerialWasmBackend();
  const wasmRows = await runConformance(wasm, { runs: 1, seed: 3, secondOrder: true, onRow: (r) => step(`wasm ${r.name}${r.ok ? '' : ' FAILED'}`) });
  await step('creating the WebGPU backend');
  const gpu = await createWebGpuBackend();
  const rows = await runConformance(gpu, { runs: 1, seed: 3, secondOrder: true, onRow: (r) => step(`${r.name}${r.ok ? '' : ' FAILED'}`) });
  return {
    info: gpu.info(),
    navigatorGpu: typeof navigator !== 'undefined' && 'gpu' in navigator,
    rows,
    wasm: {
      info: wasm.info(),
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
      sharedMemory: typeof SharedArrayBuffer === 'function' && wasm.memory.memory.buffer instanceof SharedArrayBuffer,
      rows: wasmRows,
    },
  };
});
