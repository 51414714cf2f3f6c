import { defineConfig } from 'tsup';

// Two builds: the library (ESM + CJS + types) and the CLI (ESM, with its shebang). Neither
// cleans dist/, since both write there at the same time.
export default defineConfig([
  {
    entry: { index: 'src/index.ts', node: 'src/node.ts', webgpu: 'src/webgpu.ts', 'testing/index': 'src/testing/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    target: 'es2022',
    // Dawn is loaded lazily, in Node only; browser bundles never see it.
    external: ['webgpu', 'fast-check'],
  },
  {
    entry: { 'cli/main': 'src/cli/main.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'es2022',
    external: ['webgpu'],
  },
]);
