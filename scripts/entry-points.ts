/**
 * The package's entry points (package.json "exports") and the source file each is built from.
 * Kept apart from ./api-reference.ts, which lists their exports with the TypeScript compiler, so
 * that code which only needs the list (the docs test, before it knows whether it must compile
 * anything) does not load TypeScript for it.
 */
export const ENTRY_POINTS: readonly { specifier: string; file: string; about: string }[] = [
  { specifier: 'stieltjes', file: 'src/index.ts', about: 'Browser-safe: tensors and ops, autodiff, the CPU and WebAssembly backends, models and Keras loading, attribution methods, explain(), heatmaps, .npy' },
  { specifier: 'stieltjes/node', file: 'src/node.ts', about: 'Node only: model files, PNG/JPEG and .npy files, explanations written as files, WebGPU through Dawn' },
  { specifier: 'stieltjes/webgpu', file: 'src/webgpu.ts', about: 'The WebGPU backend (navigator.gpu in browsers, Dawn in Node), its profiling and tuning' },
  { specifier: 'stieltjes/testing', file: 'src/testing/index.ts', about: 'Gradient checks for your own functions, models and backends (fast-check for the property-based ones)' },
];

/** Public specifier → source file, relative to the repository root. */
export const ENTRY_SOURCES: Readonly<Record<string, string>> = Object.fromEntries(ENTRY_POINTS.map((e) => [e.specifier, e.file]));
