/**
 * The command line on the WebAssembly backend (--backend wasm): the same answers as the CPU, and the
 * line that says so. In this process (runCliHere): nothing here is about the process itself (the
 * pool's workers are unref'd threads of whichever process runs the command). The Grad-CAM
 * comparison runs on the bundled digit model here and on the tiny VGG19 at 224×224 in the slow
 * tier (test/cli/wasm-backend.slow.test.ts).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../../src/io/npy.js';
import { encodePng } from '../../src/io/image-codec.js';
import { runCliHere } from '../helpers/cli.js';
import { SYNTHETIC, tinyVgg19Reference } from '../helpers/tiny-vgg19.js';

const work = mkdtempSync(join(tmpdir(), 'stieltjes-cli-wasm-'));
const weights = join(SYNTHETIC, 'tiny_vgg19_keras1.h5');
const image = join(work, 'input.png');
const DIGITS = join(__dirname, '..', '..', 'assets', 'digits');

beforeAll(() => {
  writeFileSync(image, encodePng({ width: 224, height: 224, data: tinyVgg19Reference.rgb() }));
});

describe('stieltjes --backend wasm', () => {
  it('classify gives the PyTorch reference top class for the tiny VGG19 and says which backend ran', async () => {
    const r = await runCliHere(['classify', image, '--weights', weights, '--json', '--backend', 'wasm', '--threads', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^backend: wasm \(2 threads, SIMD128, (no )?relaxed SIMD\)$/m);
    const out = JSON.parse(r.stdout);
    expect(out.backend).toBe('wasm');
    expect(out.top[0].index).toBe(563);
    expect(out.top[0].probability).toBeCloseTo(0.0632, 3);
  });

  it('--threads must be a positive integer, named in one line before anything is read', async () => {
    const r = await runCliHere(['classify', image, '--weights', weights, '--backend', 'wasm', '--threads', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("stieltjes: classify: --threads must be an integer in [1, 256], got '0'");
  });

  it('explain --method gradcam writes the map the CPU backend writes, to float32 accuracy', async () => {
    const run = async (backend: string): Promise<Float64Array> => {
      const out = join(work, backend);
      const r = await runCliHere(['explain', join(DIGITS, 'samples', 'digit-3-899.png'), '--weights', join(DIGITS, 'digits-cnn.h5'), '--method', 'gradcam', '--layer', 'block2_conv2', '--backend', backend, '--quiet', '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')).backend.name).toBe(backend);
      return Float64Array.from(decodeNpy(new Uint8Array(readFileSync(join(out, 'cam-block2_conv2.npy'))), backend).data as ArrayLike<number>);
    };
    const [wasm, cpu] = [await run('wasm'), await run('cpu')];
    expect(wasm.length).toBe(14 * 14);
    expect(wasm.length).toBe(cpu.length);
    const scale = cpu.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(scale).toBeGreaterThan(0);
    wasm.forEach((v, i) => expect(Math.abs(v - cpu[i]!), `#${i}`).toBeLessThanOrEqual(1e-3 * scale));
  });
});
