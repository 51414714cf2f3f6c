/** The CLI's default model choice out of the box (npm run demo itself runs in the slow tier: demo.slow.test.ts). */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliHere } from '../helpers/cli.js';

const ROOT = join(__dirname, '..', '..');

describe('the main job out of the box', () => {
  it('explain without --weights uses the bundled digit model when there is no Keras cache file, and says so', async () => {
    const home = mkdtempSync(join(tmpdir(), 'keras-home-'));
    const out = join(home, 'out');
    const sample = join(ROOT, 'assets', 'digits', 'samples', readdirSync(join(ROOT, 'assets', 'digits', 'samples'))[0]!);
    const r = await runCliHere(['explain', sample, '--method', 'gradcam', '--out', out, '--backend', 'cpu'], { KERAS_HOME: home });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/weights: bundled digit model .*digits-cnn\.h5 \(no vgg19_weights_tf_dim_ordering_tf_kernels\.h5 in .*; get it with: stieltjes weights vgg19\)/);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    expect(result.target.label).toBe(`digit ${result.target.index}`);
    expect(existsSync(join(out, 'cam-block2_conv2.npy'))).toBe(true);
  });
});
