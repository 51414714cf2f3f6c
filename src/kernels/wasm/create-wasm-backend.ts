/**
 * createWasmBackend: the WebAssembly backend over a fresh memory, its kernels split over a thread
 * pool (thread-pool.ts) or run on the calling thread. Browser-safe (the pool imports Node's
 * worker_threads only when it runs in Node).
 *
 * It is async because workers start asynchronously (each must report ready before a synchronous
 * kernel call may wait on it). Where threads cannot run (a page that is not cross-origin
 * isolated, an engine without SharedArrayBuffer, workers that fail to start) the backend runs on
 * one thread and `info().threadNote` says why: it never fails for want of threads.
 */
import { wasmFeatures } from './features.js';
import { SerialKernelRunner, type KernelRunner } from './kernel-runner.js';
import { createThreadedRunner, threadSupport } from './thread-pool.js';
import { WasmBackend } from './wasm-backend.js';
import { isSharedMemory } from './memory-import.js';
import { createWasmMemory } from './wasm-memory.js';

export interface WasmBackendOptions {
  /** Threads to run kernels on, the calling one included (default: the available cores). */
  threads?: number;
}

const KNOWN_OPTIONS = new Set(['threads']);

/** Checks the engine and the options; returns the threads asked for. */
function checkWasmOptions(options: WasmBackendOptions, cores: number): number {
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new Error(`createWasmBackend: unknown option '${key}' (threads)`);
  }
  const threads = options.threads ?? Math.max(1, cores);
  if (!(Number.isInteger(threads) && threads >= 1)) throw new Error(`createWasmBackend: threads must be a positive integer, got ${threads}`);
  if (typeof WebAssembly !== 'object') throw new Error('createWasmBackend: this JavaScript engine has no WebAssembly');
  // Every generated kernel uses SIMD128: refuse here rather than at the first op's compile error.
  if (!wasmFeatures().simd) throw new Error('createWasmBackend: this engine\'s WebAssembly has no SIMD128, which the kernels need (use the cpu backend)');
  return threads;
}

/**
 * The WebAssembly backend (float32) on `threads` threads (default: the available cores). Throws
 * where WebAssembly or its SIMD128 is missing; runs one thread, saying why, where threads can't.
 */
export async function createWasmBackend(options: WasmBackendOptions = {}): Promise<WasmBackend> {
  const support = threadSupport();
  const threads = checkWasmOptions(options, support.cores);
  const memory = createWasmMemory();
  let runner: KernelRunner;
  let threadNote: string | undefined;
  if (threads === 1) {
    runner = new SerialKernelRunner(memory);
  } else if (!support.available) {
    runner = new SerialKernelRunner(memory);
    threadNote = `${threads} threads asked for; running 1: ${support.reason ?? 'threads are unavailable here'}`;
  } else if (!isSharedMemory(memory)) {
    runner = new SerialKernelRunner(memory);
    threadNote = `${threads} threads asked for; running 1: this engine could not reserve a shared 4 GiB memory`;
  } else {
    try {
      runner = await createThreadedRunner({ threads, memory });
    } catch (e) {
      // A content policy that blocks blob: workers, say: one thread still computes the same.
      runner = new SerialKernelRunner(memory);
      threadNote = `${threads} threads asked for; running 1: the workers did not start (${e instanceof Error ? e.message : String(e)})`;
    }
  }
  return new WasmBackend({ runner, features: wasmFeatures(), ...(threadNote !== undefined ? { threadNote } : {}) });
}

/** @internal A one-thread backend, synchronously (tests and pages that check kernels, not threads). */
export function createSerialWasmBackend(): WasmBackend {
  checkWasmOptions({ threads: 1 }, 1);
  return new WasmBackend({ runner: new SerialKernelRunner(createWasmMemory()), features: wasmFeatures() });
}
