/**
 * createWasmBackend: the WebAssembly backend over a fresh memory and the serial kernel runner.
 * Browser-safe (no Node modules). Asking for more than one thread runs one for now, and info()
 * says why: the thread pool (a runner with the same interface) is not part of this release yet.
 */
import { wasmFeatures } from './features.js';
import { SerialKernelRunner } from './kernel-runner.js';
import { WasmBackend } from './wasm-backend.js';
import { createWasmMemory } from './wasm-memory.js';

export interface WasmBackendOptions {
  /** Threads to run kernels on (default 1; more fall back to 1 for now, with the reason in info()). */
  threads?: number;
}

const KNOWN_OPTIONS = new Set(['threads']);

/** The WebAssembly backend (float32). Throws where WebAssembly or its SIMD128 is missing. */
export function createWasmBackend(options: WasmBackendOptions = {}): WasmBackend {
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new Error(`createWasmBackend: unknown option '${key}' (threads)`);
  }
  const threads = options.threads ?? 1;
  if (!(Number.isInteger(threads) && threads >= 1)) throw new Error(`createWasmBackend: threads must be a positive integer, got ${threads}`);
  if (typeof WebAssembly !== 'object') throw new Error('createWasmBackend: this JavaScript engine has no WebAssembly');
  const features = wasmFeatures();
  // Every generated kernel uses SIMD128: refuse here rather than at the first op's compile error.
  if (!features.simd) throw new Error('createWasmBackend: this engine\'s WebAssembly has no SIMD128, which the kernels need (use the cpu backend)');
  const runner = new SerialKernelRunner(createWasmMemory());
  const threadNote = threads > 1 ? `${threads} threads asked for; running 1: the WebAssembly thread pool is not available yet` : undefined;
  return new WasmBackend({ runner, features, ...(threadNote !== undefined ? { threadNote } : {}) });
}
