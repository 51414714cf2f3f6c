import { expect, it } from 'vitest';
import { selectBackend } from '../../src/kernels/select-backend.js';
import { cpuBackend } from '../../src/kernels/cpu/cpu-backend.js';
import { webgpuStatus } from '../helpers/webgpu.js';

it("'auto' takes WebGPU when an adapter exists and says which it chose; 'cpu' is the CPU", async () => {
  const lines: string[] = [];
  const be = await selectBackend('auto', (l) => lines.push(l));
  expect(lines).toHaveLength(1);
  if (webgpuStatus.ok) {
    expect(be.name).toBe('webgpu');
    expect(lines[0]).toMatch(/^backend: webgpu \(.+\)$/);
    expect((await selectBackend('webgpu')).name).toBe('webgpu');
  } else {
    expect(be).toBe(cpuBackend());
    expect(lines[0]).toMatch(/^backend: cpu \(no WebGPU adapter: /);
    await expect(selectBackend('webgpu')).rejects.toThrow(/no WebGPU adapter/);
  }
  expect(await selectBackend('cpu')).toBe(cpuBackend());
  await expect(selectBackend('tpu' as never)).rejects.toThrow(/unknown backend 'tpu'/);
});
