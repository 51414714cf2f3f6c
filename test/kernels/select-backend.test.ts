import { expect, it } from 'vitest';
import { selectBackend } from '../../src/kernels/select-backend.js';
import { cpuBackend } from '../../src/kernels/cpu/cpu-backend.js';
import { createWebGpuBackend } from '../../src/kernels/webgpu/device.js';
import { webgpuStatus } from '../helpers/webgpu.js';
import { threadSupport } from '../../src/kernels/wasm/thread-pool.js';

// By default the WebAssembly backend runs on every core this process may use.
const cores = threadSupport().cores;
const threadsText = (n: number): string => `${n} thread${n === 1 ? '' : 's'}`;
const WASM_LINE = new RegExp(`^backend: wasm \\(${threadsText(cores)}, SIMD128, (no )?relaxed SIMD; `);

it("'auto' takes a hardware WebGPU adapter, else wasm (a software adapter or none), and says which and why in one line", async () => {
  const lines: string[] = [];
  const be = await selectBackend('auto', (l) => lines.push(l));
  expect(lines).toHaveLength(1);
  if (webgpuStatus.ok) {
    const gpu = await createWebGpuBackend();
    const info = gpu.info();
    gpu.dispose();
    if (info.softwareAdapter) {
      // llvmpipe, SwiftShader: used only when asked for by name.
      expect(be.name).toBe('wasm');
      expect(lines[0]).toMatch(WASM_LINE);
      expect(lines[0]).toContain(`WebGPU adapter ${info.adapter} is software: use --backend webgpu to use it)`);
    } else {
      expect(be.name).toBe('webgpu');
      expect(lines[0]).toMatch(/^backend: webgpu \(.+; a hardware adapter\)$/);
    }
    const named: string[] = [];
    expect((await selectBackend('webgpu', (l) => named.push(l))).name).toBe('webgpu');
    expect(named[0]).toMatch(/^backend: webgpu \([^;]+\)$/);
  } else {
    expect(be.name).toBe('wasm');
    expect(lines[0]).toMatch(WASM_LINE);
    expect(lines[0]).toMatch(/; no WebGPU adapter: .+\)$/);
    await expect(selectBackend('webgpu')).rejects.toThrow(/no WebGPU adapter/);
  }
});

it("'wasm' and 'cpu' by name; an unknown name is an error listing the choices", async () => {
  const lines: string[] = [];
  expect((await selectBackend('wasm', (l) => lines.push(l))).name).toBe('wasm');
  expect(lines).toEqual([expect.stringMatching(new RegExp(`^backend: wasm \\(${threadsText(cores)}, SIMD128, (no )?relaxed SIMD\\)$`))]);
  const one: string[] = [];
  const single = await selectBackend('wasm', (l) => one.push(l), { threads: 1 });
  expect(single.info().threads).toBe(1);
  expect(one[0]).toMatch(/^backend: wasm \(1 thread, /);
  expect(await selectBackend('cpu')).toBe(cpuBackend());
  await expect(selectBackend('tpu' as never)).rejects.toThrow(/unknown backend 'tpu' \(auto, cpu, wasm, webgpu\)/);
});
