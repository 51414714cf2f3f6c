/**
 * The built package as a user gets it after `npm ci` (whose prepare step builds dist/): the bin,
 * the ESM and CJS entry points and the subpath exports, resolved through package.json's exports.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const built = existsSync(join(ROOT, 'dist', 'cli', 'main.js'));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };
const node = (args: string[]): string => execFileSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' }).trim();

describe.runIf(built || process.env.CI === 'true')('the built package (dist/)', () => {
  it('the stieltjes bin prints the version', () => {
    expect(node([join(ROOT, pkg.bin.stieltjes!), '--version'])).toBe(pkg.version);
  });

  // One Node for both: require (made by createRequire) resolves through the exports' "require"
  // condition as a CommonJS script's would, and a second Node start cost about 0.25 s of CPU.
  it('ESM and CJS entry points and the subpath exports resolve by name', () => {
    const [esm, cjs] = node([
      '--input-type=module',
      '-e',
      "const m = await import('stieltjes'); const t = await import('stieltjes/testing'); const n = await import('stieltjes/node'); const w = await import('stieltjes/webgpu'); console.log([typeof m.integratedGradients, typeof m.rsiGradCam, typeof t.checkGrads, typeof n.loadModelFile, typeof w.createWebGpuBackend].join(',')); const require = (await import('node:module')).createRequire(process.cwd() + '/'); const c = require('stieltjes'); console.log(typeof c.grad, typeof c.readKerasWeights, require.resolve('stieltjes').endsWith('.cjs'));",
    ]).split('\n');
    expect(esm).toBe('function,function,function,function,function');
    expect(cjs).toBe('function function true');
  });
});
