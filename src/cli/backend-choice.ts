/**
 * --backend auto|cpu|webgpu. 'auto' takes WebGPU when an adapter exists and says so, otherwise
 * the CPU; once chosen, the backend never changes silently.
 */
import type { Backend } from '../kernels/backend.js';
import { cpuBackend } from '../tensor/engine.js';
import { CliError } from './errors.js';

export type BackendChoice = 'auto' | 'cpu' | 'webgpu';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'cpu', 'webgpu'];

export async function chooseBackend(choice: BackendChoice, say: (line: string) => void): Promise<Backend> {
  if (choice === 'cpu') return cpuBackend();
  const { createWebGpuBackend } = await import('../kernels/webgpu/device.js');
  try {
    const be = await createWebGpuBackend();
    const info = be.info();
    say(`backend: webgpu (${info.adapter}${info.featureLevel ? `, ${info.featureLevel}` : ''})`);
    return be;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    if (choice === 'webgpu') throw new CliError(`--backend webgpu: no WebGPU adapter: ${why}`);
    say(`backend: cpu (no WebGPU adapter: ${why})`);
    return cpuBackend();
  }
}
