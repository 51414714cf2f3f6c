/**
 * How the WebAssembly backend calls its kernels: through a runner that owns the one memory every
 * kernel module imports (`env.memory`) and may split a call over threads. The backend and the
 * kernels see only this interface, so the serial runner (here) and the thread pool are
 * interchangeable, and a kernel is written once for both.
 *
 * The partition convention: a kernel that can be split exports a function whose last two i32
 * parameters are `start, end`, a half-open range of work items (each kernel documents what an
 * item is: rows of C, output rows of an image, …). Items must be independent: no two items write
 * the same bytes. `parallelFor(kernel, name, args, total)` calls `name(...args, start, end)` over
 * chunks covering [0, total) and returns when every chunk is done (kernels never wait on the JS
 * side: the calls are synchronous, as every Backend kernel is).
 */

/** A kernel module as the runner holds it (instantiated over the runner's memory on each thread). */
export interface KernelHandle {
  /** Stable identity of the module for this runner (the cache key it was loaded under). */
  readonly key: string;
  /** The exports on the calling thread, for calls that are not split. */
  readonly exports: WebAssembly.Exports;
}

/** Reserves and releases scratch bytes in the runner's memory (the backend's allocator). */
export interface ScratchAllocator {
  /** Byte address of `bytes` new bytes, 16-byte aligned; contents undefined. */
  alloc(bytes: number): number;
  free(address: number): void;
}

export interface KernelRunner {
  /** Threads that run chunks (1 for the serial runner). */
  readonly threads: number;
  /** The memory all kernels import; shared when `threads > 1`. Its buffer changes when it grows. */
  readonly memory: WebAssembly.Memory;
  /** Instantiates `module` (once per key) over the memory, on every thread. */
  load(key: string, module: WebAssembly.Module): KernelHandle;
  /**
   * Calls export `name` as name(...args, start, end) over chunks covering [0, total), at least
   * `grain` items per chunk (default 1), and returns when all are done. total = 0 calls nothing.
   */
  parallelFor(kernel: KernelHandle, name: string, args: readonly number[], total: number, grain?: number): void;
  /** Stops the threads (the serial runner has none); the runner must not be used afterwards. */
  dispose(): void;
}

type KernelFunction = (...args: number[]) => void;

/** The export `name` of `kernel`, checked to be a function. */
export function kernelExport(kernel: KernelHandle, name: string): KernelFunction {
  const fn = kernel.exports[name];
  if (typeof fn !== 'function') throw new Error(`wasm kernel ${kernel.key}: no exported function '${name}'`);
  return fn as KernelFunction;
}

/** Runs every call on the calling thread, as one chunk. */
export class SerialKernelRunner implements KernelRunner {
  readonly threads = 1;
  private readonly handles = new Map<string, KernelHandle>();

  constructor(readonly memory: WebAssembly.Memory) {}

  load(key: string, module: WebAssembly.Module): KernelHandle {
    let handle = this.handles.get(key);
    if (handle === undefined) {
      const instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
      handle = { key, exports: instance.exports };
      this.handles.set(key, handle);
    }
    return handle;
  }

  parallelFor(kernel: KernelHandle, name: string, args: readonly number[], total: number): void {
    if (total <= 0) return;
    kernelExport(kernel, name)(...args, 0, total);
  }

  dispose(): void {
    this.handles.clear();
  }
}

/**
 * [start, end) chunks covering [0, total) for `parts` workers, each at least `grain` items
 * (fewer chunks when the work is small), as even as whole grains allow.
 */
export function splitRange(total: number, parts: number, grain = 1): [number, number][] {
  if (total <= 0) return [];
  const g = Math.max(1, Math.floor(grain));
  const grains = Math.ceil(total / g);
  const n = Math.max(1, Math.min(parts, grains));
  const chunks: [number, number][] = [];
  let start = 0;
  for (let i = 0; i < n; i++) {
    const take = Math.floor(grains / n) + (i < grains % n ? 1 : 0);
    const end = Math.min(total, start + take * g);
    chunks.push([start, end]);
    start = end;
  }
  return chunks;
}
