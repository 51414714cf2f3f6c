import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // WebGPU (Dawn) and the CPU kernels are heavy: two workers on a 2-core CI machine.
    pool: 'forks',
    maxWorkers: 2,
  },
});
