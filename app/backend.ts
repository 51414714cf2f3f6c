/**
 * Which backend the page computes on: WebGPU on a hardware adapter when the browser has one,
 * otherwise WebAssembly, otherwise the TypeScript CPU backend. The user (and the tests) can force
 * one in the Backend control. All of the choice lives in chooseBackend, so that a new backend is
 * a change here and nowhere else.
 */
import { cpuBackend, createWasmBackend, type Backend } from '../src/index.js';
import { createWebGpuBackend } from '../src/webgpu.js';

export const BACKEND_PREFERENCES = ['auto', 'webgpu', 'wasm', 'typescript'] as const;
export type BackendPreference = (typeof BACKEND_PREFERENCES)[number];
export type BackendKind = 'webgpu' | 'wasm' | 'typescript';

export interface ChosenBackend {
  backend: Backend;
  kind: BackendKind;
  /** For the page: "WebGPU (SwiftShader …)", "WebAssembly, 4 threads", "TypeScript (CPU)". */
  description: string;
  /** Why a preferred backend was passed over, one line each. */
  notes: string[];
}

function message(e: unknown): string {
  const line = (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
  // The library's no-adapter message ends with advice for Node (Mesa packages): not a browser's.
  return /no WebGPU adapter/.test(line) ? 'the browser offers no WebGPU adapter' : line;
}

export async function chooseBackend(pref: BackendPreference = 'auto'): Promise<ChosenBackend> {
  const notes: string[] = [];
  if (pref === 'auto' || pref === 'webgpu') {
    try {
      if (!('gpu' in navigator)) throw new Error('this browser has no navigator.gpu');
      const gpu = await createWebGpuBackend();
      const info = gpu.info();
      // Auto wants a real GPU: a software adapter (SwiftShader) is slower than the CPU backends
      // on the same cores. Asked for by name, it is used as it is.
      if (pref === 'webgpu' || !info.softwareAdapter) return { backend: gpu, kind: 'webgpu', description: `WebGPU (${info.adapter})`, notes };
      gpu.dispose();
      notes.push(`WebGPU skipped: only a software adapter (${info.adapter})`);
    } catch (e) {
      if (pref === 'webgpu') throw new Error(`WebGPU is not available: ${message(e)}`);
      notes.push(`no WebGPU: ${message(e)}`);
    }
  }
  if (pref === 'auto' || pref === 'wasm') {
    try {
      // Threads need a cross-origin isolated page (COOP/COEP headers: docs/app.md).
      const isolated = typeof crossOriginIsolated !== 'undefined' && crossOriginIsolated;
      const wasm = await createWasmBackend({ threads: isolated ? Math.max(1, navigator.hardwareConcurrency || 1) : 1 });
      const info = wasm.info();
      if (!isolated) notes.push('one thread: the page is not cross-origin isolated');
      if (info.threadNote) notes.push(info.threadNote);
      return { backend: wasm, kind: 'wasm', description: info.adapter, notes };
    } catch (e) {
      if (pref === 'wasm') throw new Error(`WebAssembly backend failed to start: ${message(e)}`);
      notes.push(`no WebAssembly: ${message(e)}`);
    }
  }
  return { backend: cpuBackend(), kind: 'typescript', description: 'TypeScript (CPU, main thread)', notes };
}
