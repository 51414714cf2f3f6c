/**
 * src/tensor imports no backend: the engine's default backend is injected, by the entry points
 * (src/default-backend.ts). test/setup.ts registers it for every test, so what a library user
 * sees is checked here in fresh Node processes that load only the file under test: importing
 * `stieltjes` or `stieltjes/node` makes the CPU the default with no setup, and the engine alone
 * has no default and says what to do.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildSync } from 'esbuild';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Runs an ES module snippet in a fresh Node; its stdout. The snippet and the sources it imports are
 * bundled by esbuild first (modules imported with import() stay lazy, evaluated when imported, as
 * the built package's are) and run by plain Node: through tsx each run cost about a second of CPU
 * to compile the TypeScript it loads.
 */
async function fresh(code: string): Promise<string> {
  const cache = join(ROOT, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  // Beside node_modules, so that the bundle finds the npm packages it leaves external.
  const dir = mkdtempSync(join(cache, 'stieltjes-default-backend-'));
  const outfile = join(dir, 'snippet.mjs');
  buildSync({
    stdin: { contents: code, resolveDir: ROOT, loader: 'ts', sourcefile: 'snippet.ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'silent',
  });
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [outfile], { cwd: ROOT, encoding: 'utf8' });
    return stdout.trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
describe('the default backend, as a user gets it', () => {
  it("is the CPU after importing the main entry point ('stieltjes'), with no setup", async () => {
    const out = await fresh(
      "const m = await import('./src/index.ts'); const t = m.tensor([1, 2, 3]); console.log(m.getBackend().name, t.backend === m.cpuBackend(), Array.from(await t.data()).join(','));",
    );
    expect(out).toBe('cpu true 1,2,3');
  });

  it("is the CPU after importing 'stieltjes/node' alone", async () => {
    const out = await fresh("await import('./src/node.ts'); const e = await import('./src/tensor/engine.ts'); console.log(e.getBackend().name);");
    expect(out).toBe('cpu');
  });

  it('is missing, with an error that says what to do, when only src/tensor is loaded', async () => {
    const out = await fresh("const m = await import('./src/tensor/index.ts'); try { m.tensor([1]); console.log('no error'); } catch (e) { console.log(e.message); }");
    expect(out).toMatch(/^no backend: .*setBackend\(\).*importing 'stieltjes' registers the CPU backend/);
  });
});
