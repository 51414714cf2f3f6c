/**
 * Runs a page entry (test/browser/entry.ts by default; conformance-entry.ts is the other) in
 * headless Chromium: bundles it for the browser with esbuild, serves it on loopback, starts
 * Chromium with WebGPU on its SwiftShader adapter (no GPU needed: --enable-unsafe-webgpu,
 * --enable-unsafe-swiftshader, --use-webgpu-adapter=swiftshader), and waits for the page to POST
 * its report. With `isolated`, every response carries COOP/COEP headers, so the page is
 * cross-origin isolated (SharedArrayBuffer, hence WebAssembly threads); without, it is not.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BrowserResult {
  ok: boolean;
  report?: unknown;
  error?: string;
  /** Each step the page POSTed to /progress: 'name at 12.3 s'. */
  progress?: string[];
}

/** The Chromium executable: $CHROMIUM, or the first of the usual names on PATH; null if none. */
export function findChromium(): string | null {
  const candidates = [process.env.CHROMIUM, 'chromium', 'chromium-browser', 'google-chrome'].filter((c): c is string => !!c);
  for (const c of candidates) {
    if (spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0) return c;
  }
  return null;
}

/** The page entries, by file name beside this one. */
export type PageEntry = 'entry.ts' | 'conformance-entry.ts' | 'threads-entry.ts';

export async function bundleEntry(entry: PageEntry = 'entry.ts'): Promise<string> {
  const { build } = await import('esbuild');
  const r = await build({
    entryPoints: [fileURLToPath(new URL(`./${entry}`, import.meta.url))],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return r.outputFiles[0]!.text;
}

/**
 * Runs the page and returns its report, with the steps it reported and when (`progress`);
 * `query` is appended to its URL. The limit is generous (the default page takes about 10 s on a
 * quiet 2-core machine, mostly SwiftShader compiling pipelines, and a loaded one can take several
 * times that); on a timeout the error lists the steps the page reported, so it says how far it got.
 */
export async function runInChromium(chromium: string, opts: { entry?: PageEntry; timeoutMs?: number; isolated?: boolean; query?: string } = {}): Promise<BrowserResult> {
  const timeoutMs = opts.timeoutMs ?? 600_000;
  const script = await bundleEntry(opts.entry);
  const profileDir = mkdtempSync(join(tmpdir(), 'stieltjes-chromium-'));
  let settle: (r: BrowserResult) => void = () => {};
  const result = new Promise<BrowserResult>((resolve) => (settle = resolve));
  const progress: string[] = [];
  const server = createServer((req, res) => {
    if (opts.isolated === true) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    }
    if (req.method === 'POST' && req.url === '/progress') {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        res.end('ok');
        const p = JSON.parse(body) as { step: string; ms: number };
        progress.push(`${p.step} at ${(p.ms / 1000).toFixed(1)} s`);
        if (process.env.STIELTJES_BROWSER_VERBOSE) console.log(`[page] ${progress.at(-1)}`);
      });
    } else if (req.method === 'POST' && req.url === '/result') {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        res.end('ok');
        settle(JSON.parse(body) as BrowserResult);
      });
    } else if (req.url === '/entry.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script type="module" src="/entry.js"></script>');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${opts.query ? `?${opts.query}` : ''}`;
  const browser = spawn(
    chromium,
    [
      '--headless=new', '--no-sandbox', '--no-first-run', '--disable-quic', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', `--user-data-dir=${profileDir}`,
      '--enable-unsafe-webgpu', '--enable-unsafe-swiftshader', '--use-webgpu-adapter=swiftshader', url,
    ],
    // Its own process group, so that the renderer and GPU processes go with it.
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  const exited = new Promise<void>((resolve) => browser.on('exit', () => resolve()));
  let stderr = '';
  browser.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const reached = () => `steps reached: ${progress.length ? progress.join(', ') : 'none'}`;
  browser.on('exit', (code) => settle({ ok: false, error: `chromium exited (code ${code}) before the page reported (${reached()}):\n${stderr}` }));
  const timer = setTimeout(() => settle({ ok: false, error: `no report from the page within ${timeoutMs} ms (${reached()}):\n${stderr}` }), timeoutMs);
  try {
    return { ...(await result), progress };
  } finally {
    clearTimeout(timer);
    try {
      process.kill(-browser.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    server.close();
    rmSync(profileDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
}
