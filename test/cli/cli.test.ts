/** The command line end to end: outputs, formats, and every error path exits non-zero with one line. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../../src/io/npy.js';
import { encodePng } from '../../src/io/image-codec.js';
import { VERSION } from '../../src/version.js';
import { runCliHere } from '../helpers/cli.js';
import { SYNTHETIC, tinyVgg19Reference } from '../helpers/tiny-vgg19.js';

const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
const work = mkdtempSync(join(tmpdir(), 'stieltjes-cli-'));
const weights = join(SYNTHETIC, 'tiny_vgg19_keras1.h5');
const image = join(work, 'input.png');
const DIGITS = join(__dirname, '..', '..', 'assets', 'digits');
const digits = join(DIGITS, 'digits-cnn.h5');
const digit = join(DIGITS, 'samples', 'digit-3-899.png');
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
  // In this process: test/cli/package.test.ts runs the command as a process of its own.
  it('--version and --help', async () => {
    expect(VERSION).toBe(pkg.version);
    const v = await runCliHere(['--version']);
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

  // The files, shapes and per-layer maps are the same for any model: the bundled digit model (28×28
  // gray, ten classes) does the work of the tiny VGG19 at 224×224 for a fraction of its cost.
  it('explain --method rsi-gradcam writes result.json, probabilities.npy and per-layer maps', async () => {
    const out = join(work, 'rsi');
    const r = await runCliHere(['explain', digit, '--weights', digits, '--method', 'rsi-gradcam', '--layer', 'block2_conv2,block1_pool', '--steps', '3', '--out', out, ...cpu, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toEqual(
      ['cam-block1_pool.npy', 'cam-block2_conv2.npy', 'heatmap-block1_pool.png', 'heatmap-block2_conv2.png', 'overlay-block1_pool.png', 'overlay-block2_conv2.png', 'panel-block1_pool.png', 'panel-block2_conv2.png', 'probabilities.npy', 'result.json'].sort(),
    );
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    expect(result).toMatchObject({ target: { index: 3, label: 'digit 3' }, method: 'rsi-grad-cam', parameters: { steps: 3, rule: 'right', weighting: 'paper', score: 'probability', baseline: 'black', layers: ['block2_conv2', 'block1_pool'] }, backend: { name: 'cpu' } });
    expect(result.maps.map((m: { layer: string; files: { npy: string } }) => [m.layer, m.files.npy])).toEqual([['block2_conv2', 'cam-block2_conv2.npy'], ['block1_pool', 'cam-block1_pool.npy']]);
    for (const m of result.maps) expect(m.completeness.delta).toBeCloseTo(m.completeness.sum - (result.scores.input - result.scores.baseline), 6);
    expect(npy(join(out, 'cam-block2_conv2.npy')).shape).toEqual([14, 14]);
    expect(npy(join(out, 'cam-block1_pool.npy')).shape).toEqual([14, 14]);
    const p = npy(join(out, 'probabilities.npy'));
    expect(p.shape).toEqual([10]);
    expect(p.descr).toBe('<f4');
    if (hasNumpy) {
      const sum = execFileSync('/usr/bin/python3', ['-c', `import numpy; a = numpy.load(${JSON.stringify(join(out, 'probabilities.npy'))}); print(a.dtype, a.shape, round(float(a.sum()), 4))`], { encoding: 'utf8' });
      expect(sum.trim()).toBe('float32 (10,) 1.0');
    }
  });

  it('explain --method ig writes attribution.npy [H, W, C] in the model input space', async () => {
    const out = join(work, 'ig');
    const r = await runCliHere(['explain', digit, '--weights', digits, '--method', 'ig', '--steps', '2', '--batch', '1', '--out', out, ...cpu, '--quiet']);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['attribution.npy', 'heatmap.png', 'overlay.png', 'panel.png', 'probabilities.npy', 'result.json']);
    const a = npy(join(out, 'attribution.npy'));
    expect(a.shape).toEqual([28, 28, 1]);
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
    const r = await runCliHere(['baseline', '--weights', digits, '--iterations', '2', '--out', out, ...cpu, '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/before: .*\nafter: /);
    const b = npy(out);
    expect(b.shape).toEqual([28, 28, 1]);
    const report = JSON.parse(readFileSync(join(work, 'opt', 'baseline-report.json'), 'utf8'));
    expect(report.settings).toEqual({ loss: 'max', lambda: 0.9, optimizer: 'rmsprop', learningRate: 0.1, iterations: 2 });
    expect(report.after.maxDeviation).toBeTypeOf('number');
    const e = await runCliHere(['explain', digit, '--weights', digits, '--method', 'rsi-gradcam', '--steps', '2', '--baseline', out, '--out', join(work, 'withbase'), ...cpu, '--quiet']);
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

// In this process (runCliHere), as are the runs above: nothing here depends on the command being a
// process of its own (test/cli/input-checks.test.ts checks what does).
describe('stieltjes gradcheck and bench', () => {
  it('gradcheck prints a PASS table for the primitives and exits 0', async () => {
    const r = await runCliHere(['gradcheck', '--backend', 'cpu', '--runs', '1', '--filter', 'conv2d']);
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

  // The profile itself (two WebGPU runs, several seconds of CPU with Dawn on llvmpipe) is in the
  // slow tier: test/cli/cli-profile.slow.test.ts.
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
    // Max pooling, the cheapest kernel of a quick run (the 512³ product took about 0.75 s of CPU).
    const r = await runCliHere(['bench', '--backend', 'cpu', '--quick', '--no-model', '--filter', 'maxPool2d x[', '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ op: 'maxPool2d', shape: 'x[1,224,224,64] window[2,2]', backend: 'cpu' });
    expect(rows[0].gflops).toBeGreaterThan(0);
    expect(rows[0].ms).toBeGreaterThan(0);
  });
});
