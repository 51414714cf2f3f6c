/**
 * The backends the benchmark can time. Every case runs through the `Backend` interface only, so
 * a backend is just a name here; the WebGPU one is imported lazily, so that a CPU-only run never
 * loads Dawn.
 */
import type { Backend } from '../src/kernels/backend.js';
import { CpuBackend } from '../src/kernels/cpu/cpu-backend.js';

export const BACKEND_NAMES = ['cpu', 'webgpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export async function createBenchBackend(name: BackendName): Promise<Backend> {
  switch (name) {
    case 'cpu':
      return new CpuBackend();
    case 'webgpu': {
      const { createWebGpuBackend } = await import('../src/kernels/webgpu/device.js');
      return createWebGpuBackend();
    }
  }
}
