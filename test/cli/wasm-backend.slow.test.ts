/**
 * Grad-CAM on the WebAssembly backend against the CPU at the tiny VGG19's full 224×224 (slow tier:
 * two runs of the command, each its own process, about 5 s of CPU): the larger convolutions take
 * the wasm kernels' tiled paths. The default tier compares the two on the bundled digit model
 * (test/cli/wasm-backend.test.ts).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../../src/io/npy.js';
import { encodePng } from '../../src/io/image-codec.js';
import { runCli } from '../helpers/cli.js';
import { SYNTHETIC, tinyVgg19Reference } from '../helpers/tiny-vgg19.js';

const work = mkdtempSync(join(tmpdir(), 'stieltjes-cli-wasm-slow-'));
const weights = join(SYNTHETIC, 'tiny_vgg19_keras1.h5');
const image = join(work, 'input.png');

beforeAll(() => {
  writeFileSync(image, encodePng({ width: 224, height: 224, data: tinyVgg19Reference.rgb() }));
});

describe('stieltjes --backend wasm on the tiny VGG19', () => {
  it('explain --method gradcam writes the map the CPU backend writes, to float32 accuracy', () => {
    const run = (backend: string): Float64Array => {
      const out = join(work, backend);
      const r = runCli(['explain', image, '--weights', weights, '--method', 'gradcam', '--layer', 'block5_conv4', '--backend', backend, '--quiet', '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')).backend.name).toBe(backend);
      return Float64Array.from(decodeNpy(new Uint8Array(readFileSync(join(out, 'cam-block5_conv4.npy'))), backend).data as ArrayLike<number>);
    };
    const [wasm, cpu] = [run('wasm'), run('cpu')];
    expect(wasm.length).toBe(cpu.length);
    const scale = cpu.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(scale).toBeGreaterThan(0);
    wasm.forEach((v, i) => expect(Math.abs(v - cpu[i]!), `#${i}`).toBeLessThanOrEqual(1e-3 * scale));
  });
});
