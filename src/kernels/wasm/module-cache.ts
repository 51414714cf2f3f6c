/**
 * The per-process cache of compiled kernel modules. Compiling is the expensive step (V8 compiles
 * a module once; instantiating it over a memory is cheap), so every kernel file asks here with a
 * key that names the kernel and everything its code bakes in: shape class, FMA or not, and the
 * memory kind (memory-import.ts), since a module built for a shared memory cannot import a plain one.
 */
const modules = new Map<string, WebAssembly.Module>();

/** The compiled module for `key`, built by `build` the first time. Keys start with the kernel's name. */
export function cachedModule(key: string, build: () => Uint8Array<ArrayBuffer>): WebAssembly.Module {
  let module = modules.get(key);
  if (module === undefined) {
    module = new WebAssembly.Module(build());
    modules.set(key, module);
  }
  return module;
}
