/**
 * npm run app:build: the page as static files in app/dist/ (index.html, app.js, app.css, the
 * bundled digit model and a sample digit), servable by any static host. Threads in WebAssembly
 * need the page cross-origin isolated: serve it with
 *   Cross-Origin-Opener-Policy: same-origin
 *   Cross-Origin-Embedder-Policy: require-corp
 * (docs/app.md; app/serve.ts sends both).
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
export const OUT_DIR = join(here, 'dist');

/** Static files copied as they are: [from (repository root), to (inside the output)]. */
const COPIES: [string, string][] = [
  ['app/index.html', 'index.html'],
  ['app/app.css', 'app.css'],
  ['assets/digits/digits-cnn.h5', 'models/digits-cnn.h5'],
  ['assets/digits/samples/digit-3-899.png', 'samples/digit-3-899.png'],
];

export async function buildApp(outDir = OUT_DIR): Promise<string> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [join(here, 'main.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    outfile: join(outDir, 'app.js'),
    logLevel: 'warning',
  });
  for (const [from, to] of COPIES) {
    mkdirSync(dirname(join(outDir, to)), { recursive: true });
    copyFileSync(join(root, from), join(outDir, to));
  }
  return outDir;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = await buildApp();
  console.log(`built the page into ${dir}`);
}
