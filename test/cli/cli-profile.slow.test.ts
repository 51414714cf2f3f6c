/**
 * `bench --profile` on WebGPU (slow tier: two runs of the command in this process, starting Dawn
 * and profiling a small model kernel by kernel, took about 6 s of CPU on llvmpipe). The default
 * tier checks that --profile needs the WebGPU backend (test/cli/cli.test.ts).
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runCliHere } from '../helpers/cli.js';
import { describeWebGpu } from '../helpers/webgpu.js';
import { SYNTHETIC } from '../helpers/tiny-vgg19.js';

describeWebGpu('stieltjes bench --profile', () => {
  it('profiles the model kernel by kernel; the input gradient computes no filter gradients', async () => {
    const dir = join(SYNTHETIC, '..', 'hls4ml');
    const model = ['--weights', join(dir, 'KERAS_conv2d_model_weights.h5'), '--config', join(dir, 'KERAS_conv2d_model.json')];
    const r = await runCliHere(['bench', '--backend', 'webgpu', '--no-kernels', ...model, '--steps', '2', '--profile', '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { op: string; shape: string; ms: number; runs: number }[];
    for (const pass of ['forward', 'forward+input gradient']) {
      const mine = rows.filter((x) => x.op === `profile: ${pass}`);
      expect(mine[0]).toMatchObject({ shape: 'wall, one warm run', runs: 1 });
      expect(mine[1]!.shape).toBe('kernels run alone, sum');
      // (On GPUs with timestamps a row of the kernels timed in place follows.)
      const kernels = mine.filter((k) => k.shape.startsWith('webgpu.'));
      expect(kernels.some((k) => k.shape.startsWith('webgpu.conv2d x'))).toBe(true);
      expect(kernels.reduce((s, k) => s + k.ms, 0)).toBeCloseTo(mine[1]!.ms, 6);
      expect(kernels.reduce((s, k) => s + k.runs, 0)).toBe(mine[1]!.runs);
    }
    const backward = rows.filter((x) => x.op === 'profile: forward+input gradient').map((x) => x.shape);
    expect(backward.some((s) => s.startsWith('webgpu.conv2dBackpropInput'))).toBe(true);
    expect(backward.some((s) => s.startsWith('webgpu.conv2dBackpropFilter'))).toBe(false);
    // As text: a summary line per pass, then a table of the kernels by time.
    const text = await runCliHere(['bench', '--backend', 'webgpu', '--no-kernels', ...model, '--profile']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^forward: [\d.]+ ms wall \(one warm run\); kernels [\d.]+ ms when each runs alone \(\d+ dispatches\)/m);
    expect(text.stdout).toMatch(/^forward\+input gradient: [\d.]+ ms wall/m);
    expect(text.stdout).toMatch(/^\s+[\d.]+\s+[\d.]+%\s+\d+\s+webgpu\.conv2d x \[1,8,8,1\]/m);
  });
});
