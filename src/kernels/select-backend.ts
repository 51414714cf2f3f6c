/**
 * Picking a backend by name: 'cpu', 'wasm', 'webgpu', or 'auto'. 'auto' takes a WebGPU adapter
 * that is real hardware; otherwise the WebAssembly backend (where the engine has WebAssembly
 * SIMD); otherwise the TypeScript CPU backend. A software WebGPU adapter (llvmpipe, SwiftShader)
 * runs on the same CPU cores as WebAssembly but slower, so 'auto' passes it over: it is used only
 * when asked for by name. The choice is reported once, in one line that says which and why,
 * through `report`, and never changes afterwards: a backend that fails later fails loudly instead
 * of falling back.
 */
import type { Backend } from './backend.js';
import { cpuBackend } from './cpu/cpu-backend.js';
import { createWasmBackend } from './wasm/create-wasm-backend.js';
import { wasmFeatures } from './wasm/features.js';

export type BackendChoice = 'auto' | 'cpu' | 'wasm' | 'webgpu';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'cpu', 'wasm', 'webgpu'];

/** "wasm (1 thread, SIMD128, no relaxed SIMD" without the closing parenthesis, to append reasons to. */
function wasmLine(be: Backend): string {
  const info = be.info();
  const inner = info.adapter.replace(/^WebAssembly \((.*)\)$/, '$1');
  return `backend: wasm (${inner}${info.threadNote ? `; ${info.threadNote}` : ''}`;
}

export interface SelectBackendOptions {
  /** Threads for the WebAssembly backend (default: the available cores); other backends ignore it. */
  threads?: number;
}

export async function selectBackend(
  choice: BackendChoice,
  report: (line: string) => void = () => {},
  options: SelectBackendOptions = {},
): Promise<Backend> {
  const wasmOptions = options.threads === undefined ? {} : { threads: options.threads };
  if (!BACKEND_CHOICES.includes(choice)) throw new Error(`selectBackend: unknown backend '${String(choice)}' (${BACKEND_CHOICES.join(', ')})`);
  if (choice === 'cpu') {
    report('backend: cpu');
    return cpuBackend();
  }
  if (choice === 'wasm') {
    const be = await createWasmBackend(wasmOptions);
    report(`${wasmLine(be)})`);
    return be;
  }
  const { createWebGpuBackend } = await import('./webgpu/device.js');
  let passedOver: string;
  try {
    const be = await createWebGpuBackend();
    const info = be.info();
    const line = `backend: webgpu (${info.adapter}${info.featureLevel ? `, ${info.featureLevel}` : ''}`;
    if (choice === 'webgpu') {
      report(`${line})`);
      return be;
    }
    if (!info.softwareAdapter) {
      report(`${line}; a hardware adapter)`);
      return be;
    }
    // A software adapter: WebAssembly on the same cores is faster. Release the device now.
    be.dispose();
    passedOver = `WebGPU adapter ${info.adapter} is software: use --backend webgpu to use it`;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    if (choice === 'webgpu') throw new Error(`no WebGPU adapter: ${why}`);
    passedOver = `no WebGPU adapter: ${why}`;
  }
  const features = wasmFeatures();
  if (features.simd) {
    const be = await createWasmBackend(wasmOptions);
    report(`${wasmLine(be)}; ${passedOver})`);
    return be;
  }
  report(`backend: cpu (${passedOver}; no WebAssembly SIMD in this engine)`);
  return cpuBackend();
}
