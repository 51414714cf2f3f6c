/**
 * `explain --autotune` end to end on WebGPU (slow tier: four runs of the command, each starting
 * Dawn and compiling every candidate kernel on llvmpipe): tuning on the first batch, the per-
 * adapter cache, a damaged cache, and the same attribution as without. The tuner itself is
 * checked in the default tier by test/kernels/webgpu-autotune.test.ts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { decodeNpy } from '../../src/io/npy.js';
import { runCli } from '../helpers/cli.js';
import { describeWebGpu } from '../helpers/webgpu.js';

const work = mkdtempSync(join(tmpdir(), 'stieltjes-cli-autotune-'));
const npy = (path: string) => decodeNpy(new Uint8Array(readFileSync(path)), path);

describeWebGpu('stieltjes explain --autotune', () => {
  // The bundled digit model (3 convolutions at 28×28): every tuning path below runs four times, and
  // on the tiny VGG19 (16 convolutions at 224×224) that alone took a minute of CPU.
  const digits = join(__dirname, '..', '..', 'assets', 'digits');
  it('tunes on the first batch, caches the choices per adapter for the next run, and gives the same attribution as without', () => {
    const cache = mkdtempSync(join(tmpdir(), 'stieltjes-tuning-'));
    const run = (name: string, flag: string[]) => {
      const out = join(work, name);
      const r = runCli(['explain', join(digits, 'samples', 'digit-3-899.png'), '--weights', join(digits, 'digits-cnn.h5'), '--method', 'ig', '--steps', '3', '--batch', '2', '--backend', 'webgpu', ...flag, '--out', out], { STIELTJES_CACHE_DIR: cache });
      expect(r.code, r.stderr).toBe(0);
      return { r, result: JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')), attribution: npy(join(out, 'attribution.npy')).data as Float32Array };
    };
    const first = run('tuned', ['--autotune', 'on']);
    expect(first.r.stderr).toMatch(/autotuned \d+ kernel shapes in [\d.]+ s \(\d+ changed from the defaults\)/);
    const tuned = first.result.autotune;
    expect(tuned.kernels).toBeGreaterThan(0);
    expect(tuned.cached).toBe(0);
    expect(Object.keys(tuned.choices)).toHaveLength(tuned.changed);
    expect(first.r.stderr).toContain(`kernel tuning saved to ${tuned.cacheFile}`);
    const file = JSON.parse(readFileSync(tuned.cacheFile, 'utf8'));
    expect(file.adapter).toBe(first.result.backend.adapter);
    // The backend's versioned tuning table (gemm-tuning-table.ts), one choice per shape tuned.
    expect(file.tuning).toMatchObject({ format: 'stieltjes-webgpu-gemm', version: 1 });
    expect(Object.keys(file.tuning.choices)).toHaveLength(tuned.kernels);

    // The next run takes every shape from the cache and tunes nothing.
    const second = run('tuned-again', ['--autotune', 'on']);
    expect(second.r.stderr).toContain(`kernel tuning: ${tuned.kernels} shapes from ${tuned.cacheFile}`);
    expect(second.r.stderr).not.toMatch(/autotuned/);
    expect(second.result.autotune).toMatchObject({ kernels: 0, cached: tuned.kernels, choices: tuned.choices });

    // A damaged cache is reported, ignored and replaced.
    writeFileSync(tuned.cacheFile, '{"stieltjes": ');
    const third = run('tuned-damaged', ['--autotune', 'on']);
    expect(third.r.stderr).toContain(`kernel tuning: ignoring ${tuned.cacheFile}`);
    expect(third.result.autotune.kernels).toBe(tuned.kernels);
    expect(JSON.parse(readFileSync(tuned.cacheFile, 'utf8')).tuning).toBeTypeOf('object');

    // Off (the default on llvmpipe): no tuning, no cache; the same attribution within float32.
    const off = run('untuned', []);
    expect(off.result.autotune).toBeUndefined();
    expect(off.r.stderr).not.toMatch(/autotuned|kernel tuning/);
    let scale = 0;
    let err = 0;
    off.attribution.forEach((v, i) => {
      scale = Math.max(scale, Math.abs(v));
      err = Math.max(err, Math.abs(v - first.attribution[i]!));
    });
    expect(err).toBeLessThanOrEqual(1e-4 * scale);
  });
});
