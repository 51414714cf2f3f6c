/**
 * Picking a backend by name: 'cpu', 'webgpu', or 'auto' (WebGPU when an adapter exists,
 * otherwise the CPU). The choice is reported once through `report` and never changes afterwards:
 * a backend that fails later fails loudly instead of falling back.
 */
import type { Backend } from './backend.js';
import { cpuBackend } from './cpu/cpu-backend.js';

export type BackendChoice = 'auto' | 'cpu' | 'webgpu';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'cpu', 'webgpu'];

export async function selectBackend(choice: BackendChoice, report: (line: string) => void = () => {}): Promise<Backend> {
  if (choice === 'cpu') {
    report('backend: cpu');
    return cpuBackend();
  }
  if (choice !== 'auto' && choice !== 'webgpu') throw new Error(`selectBackend: unknown backend '${String(choice)}' (auto, cpu, webgpu)`);
  const { createWebGpuBackend } = await import('./webgpu/device.js');
  try {
    const be = await createWebGpuBackend();
    const info = be.info();
    report(`backend: webgpu (${info.adapter}${info.featureLevel ? `, ${info.featureLevel}` : ''})`);
    return be;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    if (choice === 'webgpu') throw new Error(`no WebGPU adapter: ${why}`);
    report(`backend: cpu (no WebGPU adapter: ${why})`);
    return cpuBackend();
  }
}
