/**
 * The backend conformance suite on the WebAssembly backend with every split kernel spread over a
 * pool of two threads (workers + caller), forward and VJP against the float64 CPU oracle (slow
 * tier: STIELTJES_TESTS=all; conformance-wasm.test.ts runs the table on one thread, and checks
 * three threads against one bit for bit).
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { createWasmBackend } from '../../src/kernels/wasm/create-wasm-backend.js';
import type { WasmBackend } from '../../src/kernels/wasm/wasm-backend.js';
import { propertyRuns } from '../../src/testing/runs.js';
import { conformanceTests } from '../helpers/conformance.js';

let threaded: WasmBackend | null = null;
describe('conformance: WebAssembly on two threads against the float64 CPU oracle', () => {
  beforeAll(async () => {
    threaded = await createWasmBackend({ threads: 2 });
  });
  afterAll(() => threaded?.dispose());
  conformanceTests(() => threaded!, { runs: propertyRuns(1), secondOrder: false });
});
