/** npm run demo end to end, in a process of its own as a user runs it (slow tier: the default tier's demo.test.ts checks the command's default model). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');

describe('the main job out of the box', () => {
  it('npm run demo writes a self-contained report with one row per sample digit and every method', () => {
    const out = mkdtempSync(join(tmpdir(), 'stieltjes-demo-'));
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'demo.ts')], {
      cwd: ROOT,
      encoding: 'utf8',
      // The same job with fewer steps and baseline iterations (the defaults take 50 and 200).
      env: { ...process.env, STIELTJES_DEMO_OUT: out, STIELTJES_DEMO_STEPS: '8', STIELTJES_DEMO_ITERATIONS: '20' },
      timeout: 600_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/open .*report\.html/);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    const samples = readdirSync(join(ROOT, 'assets', 'digits', 'samples'));
    expect(html.match(/<tr><td><img src="data:image\/png;base64,/g)).toHaveLength(samples.length);
    for (const method of ['IG (black baseline)', 'IG (optimised baseline)', 'Grad-CAM block2_conv2', 'RSI-Grad-CAM block2_conv2', 'RSI-Grad-CAM block1_conv2']) {
      expect(html).toContain(`<th>${method}</th>`);
    }
    expect(html).toMatch(/Optimised baseline/);
    expect(html).toMatch(/ 8 interpolation steps/);
    expect(html).toMatch(/ 20 iterations\)/);
    expect(html).not.toMatch(/src="(?!data:)/); // self-contained: no external images
    for (const s of samples) expect(html).toMatch(new RegExp(`label ${s.match(/digit-(\d)/)![1]}<br>predicted ${s.match(/digit-(\d)/)![1]} `));
    expect(readdirSync(join(out, 'png')).length).toBe(samples.length * 5 + 1);
  });
});
