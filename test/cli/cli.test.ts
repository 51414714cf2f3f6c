/** The command line end to end: outputs, formats, and every error path exits non-zero with one line. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../../src/io/npy.js';
import { encodePng } from '../../src/io/image-codec.js';
import { VERSION } from '../../src/version.js';
import { runCli, runCliHere } from '../helpers/cli.js';
import { describeWebGpu } from '../helpers/webgpu.js';
import { SYNTHETIC, tinyVgg19Reference } from '../helpers/tiny-vgg19.js';

const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
const work = mkdtempSync(join(tmpdir(), 'stieltjes-cli-'));
const weights = join(SYNTHETIC, 'tiny_vgg19_keras1.h5');
const image = join(work, 'input.png');
const cpu = ['--backend', 'cpu'];

beforeAll(() => {
  writeFileSync(image, encodePng({ width: 224, height: 224, data: tinyVgg19Reference.rgb() }));
});

const npy = (path: string) => decodeNpy(new Uint8Array(readFileSync(path)), path);
const hasNumpy = (() => {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('stieltjes CLI', () => {
  it('--version and --help', async () => {
    expect(VERSION).toBe(pkg.version);
    const v = runCli(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toBe(pkg.version);
    const h = await runCliHere(['--help']);
    expect(h.stdout).toMatch(/explain/);
    expect((await runCliHere(['explain', '--help'])).stdout).toMatch(/--method M/);
  });

  it('classify --json gives the PyTorch reference top class for the tiny VGG19', async () => {
    const r = await runCliHere(['classify', image, '--weights', weights, '--json', ...cpu, '--quiet']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.top[0].index).toBe(563);
    expect(out.top[0].wnid).toBe('n03388183');
    expect(out.top[0].label).toBe('fountain_pen');
    expect(out.top[0].probability).toBeCloseTo(0.0632, 3);
    expect(out.probabilities).toHaveLength(1000);
    expect(out.backend).toBe('cpu');
    expect(typeof out.adapter).toBe('string');
  });

  it('explain --method rsi-gradcam writes result.json, probabilities.npy and per-layer maps', async () => {
    const out = join(work, 'rsi');
    const r = await runCliHere(['explain', image, '--weights', weights, '--method', 'rsi-gradcam', '--layer', 'block5_conv4,block4_pool', '--steps', '3', '--out', out, ...cpu, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toEqual(
      ['cam-block4_pool.npy', 'cam-block5_conv4.npy', 'heatmap-block4_pool.png', 'heatmap-block5_conv4.png', 'overlay-block4_pool.png', 'overlay-block5_conv4.png', 'panel-block4_pool.png', 'panel-block5_conv4.png', 'probabilities.npy', 'result.json'].sort(),
    );
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    expect(result).toMatchObject({ target: { index: 563, wnid: 'n03388183', label: 'fountain_pen' }, method: 'rsi-grad-cam', parameters: { steps: 3, rule: 'right', weighting: 'paper', score: 'probability', baseline: 'black', layers: ['block5_conv4', 'block4_pool'] }, backend: { name: 'cpu' } });
    expect(result.maps.map((m: { layer: string; files: { npy: string } }) => [m.layer, m.files.npy])).toEqual([['block5_conv4', 'cam-block5_conv4.npy'], ['block4_pool', 'cam-block4_pool.npy']]);
    for (const m of result.maps) expect(m.completeness.delta).toBeCloseTo(m.completeness.sum - (result.scores.input - result.scores.baseline), 6);
    expect(npy(join(out, 'cam-block5_conv4.npy')).shape).toEqual([14, 14]);
    expect(npy(join(out, 'cam-block4_pool.npy')).shape).toEqual([14, 14]);
    const p = npy(join(out, 'probabilities.npy'));
    expect(p.shape).toEqual([1000]);
    expect(p.descr).toBe('<f4');
    if (hasNumpy) {
      const sum = execFileSync('/usr/bin/python3', ['-c', `import numpy; a = numpy.load(${JSON.stringify(join(out, 'probabilities.npy'))}); print(a.dtype, a.shape, round(float(a.sum()), 4))`], { encoding: 'utf8' });
      expect(sum.trim()).toBe('float32 (1000,) 1.0');
    }
  });

  it('explain --method ig writes attribution.npy [H, W, C] in the model input space', async () => {
    const out = join(work, 'ig');
    const r = await runCliHere(['explain', image, '--weights', weights, '--method', 'ig', '--steps', '2', '--batch', '1', '--out', out, ...cpu, '--quiet']);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['attribution.npy', 'heatmap.png', 'overlay.png', 'panel.png', 'probabilities.npy', 'result.json']);
    const a = npy(join(out, 'attribution.npy'));
    expect(a.shape).toEqual([224, 224, 3]);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    const { completeness } = result.maps[0];
    expect(typeof completeness.delta).toBe('number');
    const sum = Array.from(a.data as Float32Array).reduce((s, v) => s + v, 0);
    expect(completeness.delta).toBeCloseTo(sum - (result.scores.input - result.scores.baseline), 5);
    expect(result.scores.path.alphas).toEqual([0.5, 1]);
  });

  // Run in this process (runCliHere): every case fails on its flags or inputs before any work.
  it('errors exit non-zero with one clear line and leave no partial output', async () => {
    const out = join(work, 'bad');
    const cases: [string[], RegExp][] = [
      [['explain', image, '--weights', weights, '--method', 'gradcam', '--layer', 'block9_conv1', '--out', out, ...cpu], /--layer block9_conv1: model vgg19 has no such layer; valid layers: block1_conv1, /],
      [['explain', image, '--weights', weights, '--method', 'ig', '--target', '1000', '--out', out, ...cpu], /--target must be an integer in \[0, 999\], got '1000'/],
      [['explain', join(work, 'missing.png'), '--weights', weights, '--method', 'ig', '--out', out, ...cpu], /missing\.png/],
      [['explain', image, '--weights', weights, '--method', 'magic', '--out', out, ...cpu], /--method must be one of ig, gradcam, rsi-gradcam, got 'magic'/],
      [['explain', image, '--weights', weights, '--method', 'ig', ...cpu], /--out DIR is required/],
      [['explain', image, '--weights', weights, '--method', 'ig', '--steps', 'lots', '--out', out, ...cpu], /--steps must be an integer/],
      [['explain', image, '--weights', weights, '--method', 'ig', '--bogus', '--out', out], /unknown flag --bogus/],
      [['explain', image, '--weights', weights, '--method', 'ig', '--autotune', 'sometimes', '--out', out, ...cpu], /--autotune must be one of auto, on, off, got 'sometimes'/],
      [['explain', image, '--weights', join(work, 'none.h5'), '--method', 'ig', '--out', out, ...cpu], /none\.h5: no such file/],
      [['classify', image, '--weights', image, ...cpu], /input\.png/],
      [['nonsense'], /unknown command 'nonsense'/],
    ];
    for (const [args, message] of cases) {
      const r = await runCliHere(args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(work).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('baseline writes baseline.npy (pixel space) and its report; explain accepts it', async () => {
    const out = join(work, 'opt', 'baseline.npy');
    const r = await runCliHere(['baseline', '--weights', weights, '--iterations', '2', '--out', out, ...cpu, '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/before: .*\nafter: /);
    const b = npy(out);
    expect(b.shape).toEqual([224, 224, 3]);
    const report = JSON.parse(readFileSync(join(work, 'opt', 'baseline-report.json'), 'utf8'));
    expect(report.settings).toEqual({ loss: 'max', lambda: 0.9, optimizer: 'rmsprop', learningRate: 0.1, iterations: 2 });
    expect(report.after.maxDeviation).toBeTypeOf('number');
    const e = await runCliHere(['explain', image, '--weights', weights, '--method', 'rsi-gradcam', '--steps', '2', '--baseline', out, '--out', join(work, 'withbase'), ...cpu, '--quiet']);
    expect(e.code).toBe(0);
    expect(JSON.parse(readFileSync(join(work, 'withbase', 'result.json'), 'utf8')).parameters.baseline).toBe(out);
  });

  it('inspect --json reports layout, layers and parameter count', async () => {
    const r = await runCliHere(['inspect', join(SYNTHETIC, 'tiny_vgg19.weights.h5'), '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.generation).toBe('keras3');
    expect(s.layers.filter((l: { weights: unknown[] }) => l.weights.length)).toHaveLength(19);
    const bad = await runCliHere(['inspect', image]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/input\.png/);
  });
});

// In this process (runCliHere), as are the runs above but --version: nothing here depends on the
// command being a process of its own (test/cli/input-checks.test.ts checks what does).
describe('stieltjes gradcheck and bench', () => {
  it('gradcheck prints a PASS table for the primitives and exits 0', async () => {
    const r = await runCliHere(['gradcheck', '--backend', 'cpu', '--runs', '2', '--filter', 'conv2d']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/conv2d\s+\d+\s+\S+\s+\S+\s+\S+\s+PASS/);
    expect(r.stdout).toMatch(/1 passed, 0 failed/);
  });

  it('gradcheck --json with a model checks the input and every named activation', async () => {
    const dir = join(SYNTHETIC, '..', 'hls4ml');
    const r = await runCliHere(['gradcheck', '--backend', 'cpu', '--runs', '1', '--filter', 'relu', '--weights', join(dir, 'KERAS_conv2d_model_weights.h5'), '--config', join(dir, 'KERAS_conv2d_model.json'), '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.rows.map((x: { name: string }) => x.name)).toEqual(['relu', 'model:input', 'model:conv2d_1', 'model:dropout_1', 'model:flatten_1']);
    expect(out.rows.every((x: { ok: boolean }) => x.ok)).toBe(true);
  });

  it('bench --profile needs the WebGPU backend and says so', async () => {
    const r = await runCliHere(['bench', '--backend', 'cpu', '--no-kernels', '--profile']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--profile .*WebGPU backend.*--backend webgpu/);
  });

  it('bench --autotune needs the WebGPU backend and says so', async () => {
    const r = await runCliHere(['bench', '--backend', 'cpu', '--no-model', '--quick', '--autotune']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--autotune .*WebGPU backend.*--backend webgpu/);
  });

  it('bench --json prints only a JSON array of {op, shape, backend, ms, gflops}', async () => {
    const r = await runCliHere(['bench', '--backend', 'cpu', '--quick', '--no-model', '--filter', 'a[1,512,512]', '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ op: 'matmul', backend: 'cpu' });
    expect(rows[0].gflops).toBeGreaterThan(0);
    expect(rows[0].ms).toBeGreaterThan(0);
  });
});

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
