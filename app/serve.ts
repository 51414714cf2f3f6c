/**
 * npm run app: builds the page (app/build.ts) and serves app/dist/ on 127.0.0.1 (PORT, default
 * 8080), read-only, with the headers that make the page cross-origin isolated (needed for
 * WebAssembly threads: SharedArrayBuffer). Prints the URL.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp, OUT_DIR } from './build.js';

export const ISOLATION_HEADERS = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } as const;
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.png': 'image/png',
  '.h5': 'application/octet-stream',
};

/** Serves `dir` on 127.0.0.1:`port` (0: any free port); resolves once listening. */
export function serveDir(dir: string, port: number): Promise<Server> {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = join(dir, path.endsWith('/') ? `${path}index.html` : path);
    if (!file.startsWith(dir + sep)) return void res.writeHead(403, ISOLATION_HEADERS).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { ...ISOLATION_HEADERS, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' }).end(body);
    } catch {
      res.writeHead(404, ISOLATION_HEADERS).end('not found');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const port = Number(process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be an integer from 0 to 65535, got '${process.env.PORT}'`);
  await buildApp();
  const server = await serveDir(OUT_DIR, port);
  console.log(`stieltjes page: http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
}
