/**
 * The WebGPU backend with test and benchmark hooks (WebGpuInstrumentation: a forced GEMM choice
 * or kernel profile, smaller pretend limits, pipeline self-checks, Dawn's Null backend). Kept
 * apart from createWebGpuBackend so that users' options hold only what users set; tests,
 * bench/ and test/browser/entry.ts create their backends here.
 */
import { createBackendWith, type WebGpuBackendOptions, type WebGpuInstrumentation } from './device.js';
import type { WebGpuBackend } from './webgpu-backend.js';

export type { WebGpuInstrumentation };

export type InstrumentedWebGpuOptions = WebGpuBackendOptions & WebGpuInstrumentation;

export function createInstrumentedWebGpuBackend(opts: InstrumentedWebGpuOptions = {}): Promise<WebGpuBackend> {
  const { nodeBackend, powerPreference, maxPooledBytes, tuning, ...hooks } = opts;
  return createBackendWith({ nodeBackend, powerPreference, maxPooledBytes, tuning }, hooks);
}
