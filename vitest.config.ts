import { defineConfig } from 'vitest/config';

/**
 * Files that need a process of their own: the fuzz suite measures the process's memory (another
 * file's leftovers would count; the bomb suites measure child processes), and the WebAssembly
 * suites that turn on V8's relaxed-SIMD flag at run time (every later file in the process would
 * then take the FMA path): one file for all of them, so one process.
 */
const ISOLATED = [
  'test/security/fuzz.test.ts',
  'test/kernels/wasm-relaxed-simd.test.ts',
];

/**
 * Two tiers. `npm test` runs the default tier, sized for a developer's two cores; files named
 * `*.slow.test.ts` repeat what the default tier checks at a larger scale or on more variants (every
 * forced kernel variant in Chromium, every keras.applications family on WebGPU, more property
 * cases) and run only with STIELTJES_TESTS=all, which CI sets (.ci/run).
 */
const ALL = process.env.STIELTJES_TESTS === 'all';
const SLOW = 'test/**/*.slow.test.ts';

export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    // Generous limits: a test must pass on a loaded 2-core machine, where the heaviest took over
    // two minutes before; a hang still ends here, and the browser suite reports how far it got.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    // WebGPU (Dawn) and the CPU kernels are heavy: two workers on a 2-core CI machine.
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      // The rest share their worker processes (no fresh module graph per file): on two cores this
      // saves about 40% of the suite's CPU time, most of it spent importing the same modules again.
      {
        extends: true,
        test: { name: 'shared', include: ['test/**/*.test.ts'], exclude: [...ISOLATED, ...(ALL ? [] : [SLOW])], isolate: false },
      },
      { extends: true, test: { name: 'isolated', include: ISOLATED, isolate: true } },
    ],
  },
});
