/**
 * src/tensor imports no backend: the engine's default backend is injected, by the entry points
 * (src/default-backend.ts). test/setup.ts registers it for every test, so what a library user
 * sees is checked here in fresh Node processes that load only the file under test: importing
 * `stieltjes` or `stieltjes/node` makes the CPU the default with no setup, and the engine alone
 * has no default and says what to do.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs an ES module snippet in a fresh Node (TypeScript sources through tsx); its stdout. */
async function fresh(code: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8' });
  return stdout.trim();
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
