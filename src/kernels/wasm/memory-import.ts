/**
 * Whether a memory is shared. A kernel module must declare its imported memory exactly as the
 * memory is (shared or not), so every module is built for one or the other. `SharedArrayBuffer`
 * is not defined at all in browsers that are not cross-origin isolated, hence the typeof.
 */
export function isSharedMemory(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer === 'function' && memory.buffer instanceof SharedArrayBuffer;
}

type EnvMemoryImport = { module: 'env'; name: 'memory'; initial: 1; maximum?: number; shared?: boolean };

/** The `env.memory` import of a module built for a shared or a plain memory (1 page: the size is the caller's; a shared one must state its maximum). */
export function memoryImport(shared: boolean): EnvMemoryImport {
  return shared ? { module: 'env', name: 'memory', initial: 1, maximum: 65536, shared: true } : { module: 'env', name: 'memory', initial: 1 };
}

/** The `env.memory` import a kernel module declares for `memory`. */
export function memoryImportFor(memory: WebAssembly.Memory): EnvMemoryImport {
  return memoryImport(isSharedMemory(memory));
}

/** 'shared' or 'own': the part of every module cache key that says which memory it imports. */
export function memoryKind(memory: WebAssembly.Memory): 'shared' | 'own' {
  return isSharedMemory(memory) ? 'shared' : 'own';
}
