/** --preprocess on classify, explain and baseline, on the bundled digit model. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeNpy } from '../../src/io/npy.js';
import { runCliHere } from '../helpers/cli.js';

const weights = 'assets/digits/digits-cnn.h5';
const image = 'assets/digits/samples/digit-3-899.png';
const cpu = ['--backend', 'cpu'];

describe('--preprocess', () => {
  it('is validated with a one-line error listing the allowed values, on every command', async () => {
    for (const cmd of [['classify', image], ['explain', image, '--method', 'gradcam', '--out', join(tmpdir(), 'x')], ['baseline', '--out', join(tmpdir(), 'x.npy')]]) {
      const r = await runCliHere([...cmd, '--weights', weights, '--preprocess', 'bogus', ...cpu]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`--preprocess must be one of none, unit, symmetric, caffe, torch, auto, got 'bogus'`);
      expect((await runCliHere([cmd[0]!, '--help'])).stdout).toMatch(/--preprocess P/);
    }
  });

  it('auto finds the digit model\'s file attribute and says so; a chosen rule says so and changes the output', async () => {
    const auto = await runCliHere(['classify', image, '--weights', weights, '--json', ...cpu]);
    expect(auto.code).toBe(0);
    expect(auto.stderr).toContain("preprocess: unit (auto: the file's stieltjes_preprocessing attribute 'unit-scale')");
    const sym = await runCliHere(['classify', image, '--weights', weights, '--json', '--preprocess', 'symmetric', ...cpu]);
    expect(sym.stderr).toContain('preprocess: symmetric (chosen: --preprocess symmetric)');
    const pa = JSON.parse(auto.stdout).probabilities as number[];
    const ps = JSON.parse(sym.stdout).probabilities as number[];
    expect(Math.abs(pa[3]! - ps[3]!)).toBeGreaterThan(1e-3);
  });

  it('explain records the rule and its reason in result.json', async () => {
    const out = mkdtempSync(join(tmpdir(), 'stj-pre-'));
    const r = await runCliHere(['explain', image, '--weights', weights, '--method', 'gradcam', '--preprocess', 'torch', '--out', out, ...cpu, '--quiet']);
    expect(r.code).toBe(0);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    expect(result.preprocess).toEqual({ rule: 'torch', reason: 'chosen: --preprocess torch' });
  });

  it('warns (one stderr line each, even with --quiet) when --preprocess none saturates the digit model; the default does not', async () => {
    const none = await runCliHere(['classify', image, '--weights', weights, '--preprocess', 'none', '--quiet', ...cpu]);
    expect(none.code).toBe(0);
    expect(none.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^warning: the top probability is .*saturated.*--preprocess/)]);
    const dflt = await runCliHere(['classify', image, '--weights', weights, ...cpu]);
    expect(dflt.stderr).not.toMatch(/warning/);

    const out = mkdtempSync(join(tmpdir(), 'stj-pre-'));
    const ig = await runCliHere(['explain', image, '--weights', weights, '--method', 'ig', '--steps', '4', '--preprocess', 'none', '--out', out, '--quiet', ...cpu]);
    expect(ig.code).toBe(0);
    const lines = ig.stderr.trim().split('\n');
    expect(lines.some((l) => /^warning: the top probability .*--preprocess/.test(l))).toBe(true);
    expect(lines.some((l) => /^warning: the map 'attribution' is all zero.*--preprocess/.test(l))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')).warnings).toHaveLength(2);

    const out2 = mkdtempSync(join(tmpdir(), 'stj-pre-'));
    const ok = await runCliHere(['explain', image, '--weights', weights, '--method', 'ig', '--steps', '4', '--out', out2, '--quiet', ...cpu]);
    expect(ok.code).toBe(0);
    expect(ok.stderr).not.toMatch(/warning/);
    expect(JSON.parse(readFileSync(join(out2, 'result.json'), 'utf8')).warnings).toBeUndefined();
  });

  it('baseline warns when the output is saturated where it starts, and says so in its report', async () => {
    // A white start under --preprocess none: inputs of 255 where the model was trained on [0, 1].
    const dir = mkdtempSync(join(tmpdir(), 'stj-pre-'));
    const white = join(dir, 'white.npy');
    writeFileSync(white, encodeNpy(new Float32Array(28 * 28).fill(255), [28, 28, 1]));
    const args = ['baseline', '--weights', weights, '--init', white, '--iterations', '1', '--quiet', ...cpu];
    const bad = await runCliHere([...args, '--preprocess', 'none', '--out', join(dir, 'a', 'b.npy')]);
    expect(bad.code, bad.stderr).toBe(0);
    expect(bad.stderr).toMatch(/^warning: at the starting point, the top probability is .*saturated.*--preprocess/m);
    expect(JSON.parse(readFileSync(join(dir, 'a', 'baseline-report.json'), 'utf8')).warnings[0]).toMatch(/^at the starting point/);
    const ok = await runCliHere([...args, '--out', join(dir, 'c', 'b.npy')]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).not.toMatch(/warning/);
    expect(JSON.parse(readFileSync(join(dir, 'c', 'baseline-report.json'), 'utf8')).warnings).toEqual([]);
  });
});
