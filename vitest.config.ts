import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    // Generous limits: a test must pass on a loaded 2-core machine, where the heaviest took over
    // two minutes before; a hang still ends here, and the browser suite reports how far it got.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    // WebGPU (Dawn) and the CPU kernels are heavy: two workers on a 2-core CI machine.
    pool: 'forks',
    maxWorkers: 2,
  },
});
