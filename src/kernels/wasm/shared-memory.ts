/**
 * Whether a memory is shared. A kernel module must declare its imported memory exactly as the
 * memory is (shared or not), so every module is built for one or the other. `SharedArrayBuffer`
 * is not defined at all in browsers that are not cross-origin isolated, hence the typeof.
 */
export function isSharedMemory(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer === 'function' && memory.buffer instanceof SharedArrayBuffer;
}

/** The `env.memory` import a kernel module declares for `memory` (1 page: the size is the caller's). */
export function memoryImportFor(memory: WebAssembly.Memory): { module: 'env'; name: 'memory'; initial: 1; maximum?: number; shared?: boolean } {
  return isSharedMemory(memory)
    ? { module: 'env', name: 'memory', initial: 1, maximum: 65536, shared: true }
    : { module: 'env', name: 'memory', initial: 1 };
}
