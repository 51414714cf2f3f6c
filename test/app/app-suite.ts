/**
 * The page (app/) in Debian's headless Chromium, driven by playwright-core at the system browser
 * (no browser is downloaded): the bundled digit model and a sample digit go in through the file
 * inputs, every method runs once on WebGPU (Chromium's SwiftShader adapter) and once with WebGPU
 * off, and each result is checked against the command line run in this process on the same files
 * (its result.json and .npy maps). Every step leaves a screenshot that must not be blank.
 * Without Chromium the suite is skipped with a message, except on CI (CI=true), where it fails.
 * Both configurations are the slow tier's (app.slow.test.ts, app-webgpu.slow.test.ts): each runs
 * every method in the page, about 20 s of CPU with WebGPU off; with it SwiftShader compiles
 * every kernel on the CPU, and test/browser checks the same kernels in Chromium by default.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../app/build.js';
import { serveDir } from '../../app/serve.js';
import { explainCommand } from '../../src/cli/explain.js';
import { decodeNpy, npyToFloat32 } from '../../src/io/npy.js';
import { extractEntry, inflateRawWithStreams, readZipDirectory } from '../../src/models/keras/zip.js';
import { chromiumSuite } from '../browser/chromium-suite.js';

const { suite, requireChromium } = chromiumSuite('app tests');

const MODEL = 'assets/digits/digits-cnn.h5';
const IMAGE = 'assets/digits/samples/digit-3-899.png';
/** Few steps: the point is agreement with the command line, not a fine integral. */
const STEPS = 4;
const ITERATIONS = 3;
const METHODS = [
  { page: 'integrated-gradients', cli: 'ig' },
  { page: 'grad-cam', cli: 'gradcam' },
  { page: 'rsi-grad-cam', cli: 'rsi-gradcam' },
  { page: 'optimized-baseline', cli: null },
] as const;

interface Reference {
  json: Record<string, any>;
  maps: Float32Array[];
}

/** The command line on the same files (CPU backend), in this process; for the optimised baseline, which it has no flag for, explain() itself. */
async function reference(method: (typeof METHODS)[number], dir: string): Promise<Reference> {
  if (method.cli) {
    const out = join(dir, method.cli);
    const code = await explainCommand.run([IMAGE, '--weights', MODEL, '--method', method.cli, '--steps', String(STEPS), '--backend', 'cpu', '--autotune', 'off', '--quiet', '--out', out]);
    expect(code).toBe(0);
    const json = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as Record<string, any>;
    const maps = (json.maps as { files: { npy: string } }[]).map((m) => npyToFloat32(decodeNpy(new Uint8Array(readFileSync(join(out, m.files.npy))))));
    return { json, maps };
  }
  const { loadModelFile, readImageFile } = await import('../../src/node.js');
  const { explain, explanationSummary, prepareImage } = await import('../../src/index.js');
  const model = await loadModelFile(MODEL);
  const { input } = prepareImage(model, await readImageFile(IMAGE));
  const e = await explain(model, input, { method: 'integrated-gradients', steps: STEPS, baseline: 'optimized', optimizeBaseline: { iterations: ITERATIONS } });
  input.dispose();
  return { json: explanationSummary(e) as Record<string, any>, maps: e.maps.map((m) => m.data) };
}

/** A screenshot that is not one flat colour: the spread of its grey levels. */
function greyStdDev(png: Buffer): number {
  const img = PNG.sync.read(png);
  let s = 0;
  let s2 = 0;
  const n = img.width * img.height;
  for (let i = 0; i < n; i++) {
    const g = (img.data[4 * i]! + img.data[4 * i + 1]! + img.data[4 * i + 2]!) / 3;
    s += g;
    s2 += g * g;
  }
  return Math.sqrt(Math.max(0, s2 / n - (s / n) ** 2));
}

function close(actual: number, expected: number, what: string, tol = 1e-4): void {
  expect(Math.abs(actual - expected), `${what}: page ${actual}, command line ${expected}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected)));
}

const CONFIGS = [
  // SwiftShader is a software adapter: auto would pass it over, so the test asks for WebGPU by name.
  { name: 'webgpu-swiftshader', backend: 'webgpu', args: ['--enable-unsafe-webgpu', '--enable-unsafe-swiftshader', '--use-webgpu-adapter=swiftshader'], expect: /^WebGPU \(.*swiftshader/i },
  { name: 'no-webgpu', backend: 'auto', args: ['--disable-features=WebGPU', '--disable-gpu'], expect: /^WebAssembly/ },
] as const;

/** The suite for one configuration of the browser (one test file each, both in the slow tier: app.slow.test.ts and app-webgpu.slow.test.ts). */
export function appSuite(configName: (typeof CONFIGS)[number]['name']): void {
suite(`the page in headless Chromium (${configName})`, () => {
  let server: Server;
  let url: string;
  let work: string;
  const shots = mkdtempSync(join(tmpdir(), 'stieltjes-app-screens-'));
  const refs = new Map<string, Reference>();
  const timings: Record<string, Record<string, number>> = {};

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'stieltjes-app-'));
    server = await serveDir(await buildApp(join(work, 'site')), 0);
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    for (const m of METHODS) refs.set(m.page, await reference(m, work));
  });
  afterAll(() => {
    server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
    console.log(`app screenshots in ${shots}; milliseconds per run: ${JSON.stringify(timings)}`);
  });

  for (const config of CONFIGS.filter((c) => c.name === configName)) {
    it(`${config.name}: every method agrees with the command line, and every step draws something`, async () => {
      const chromiumName = requireChromium();
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({ executablePath: chromiumName.includes('/') ? chromiumName : (await import('node:child_process')).execFileSync('which', [chromiumName], { encoding: 'utf8' }).trim(), args: ['--no-sandbox', ...config.args], timeout: 300_000 });
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
        page.setDefaultTimeout(300_000);
        const pageErrors: string[] = [];
        page.on('pageerror', (e) => pageErrors.push(e.message));
        let step = 0;
        const shoot = async (what: string): Promise<void> => {
          const png = await page.screenshot({ path: join(shots, `${config.name}-${++step}-${what}.png`), fullPage: true });
          expect(greyStdDev(png), `screenshot ${what} is blank`).toBeGreaterThan(10);
        };
        await page.goto(url);
        // Every control has a name a screen reader can say.
        expect(await page.$$eval('input, select, button', (els) => els.filter((e) => !(e as HTMLInputElement).labels?.length && !e.getAttribute('aria-label') && !e.textContent?.trim()).map((e) => e.id))).toEqual([]);
        await page.selectOption('#backend-choice', config.backend);
        await page.setInputFiles('input[type=file]#model-file', MODEL);
        await page.setInputFiles('input[type=file]#image-files', IMAGE);
        await page.waitForFunction(() => window.stieltjesPage.ready || window.stieltjesPage.lastError);
        expect(await page.evaluate(() => window.stieltjesPage.lastError)).toBeUndefined();
        expect(await page.evaluate(() => window.stieltjesPage.backend)).toMatch(config.expect);
        await expect.poll(() => page.locator('#predictions li').count()).toBe(5);
        expect(await page.locator('#predictions li').first().textContent()).toMatch(/^3: digit 3/);
        expect(await page.locator('#scaling').textContent()).toMatch(/^unit/);
        await shoot('model-loaded');
        timings[config.name] = {};
        for (const m of METHODS) {
          await page.selectOption('#method', m.page);
          if (m.page !== 'grad-cam') await page.fill('#steps', String(STEPS));
          if (m.page === 'optimized-baseline') await page.fill('#iterations', String(ITERATIONS));
          await page.fill('#curve-steps', '4');
          const runs = await page.evaluate(() => window.stieltjesPage.runs);
          const t0 = Date.now();
          // Grad-CAM from the keyboard: the button takes focus and Enter presses it.
          if (m.page === 'grad-cam') {
            await page.focus('#explain');
            await page.keyboard.press('Enter');
          } else {
            await page.getByRole('button', { name: 'Explain', exact: true }).click();
          }
          await page.waitForFunction((n) => window.stieltjesPage.runs > n, runs);
          timings[config.name]![m.page] = Date.now() - t0;
          expect(await page.evaluate(() => window.stieltjesPage.lastError), m.page).toBeUndefined();
          const result = (await page.evaluate(() => window.stieltjesResult)) as Record<string, any>;
          const maps = await page.evaluate(() => window.stieltjesPage.explanations![0]!.run.explanation.maps.map((x) => Array.from(x.data)));
          const ref = refs.get(m.page)!;
          expect(result.backend.name).toBe(config.backend === 'webgpu' ? 'webgpu' : result.backend.name);
          expect(result.target).toEqual(ref.json.target);
          // The optimised baseline is not a float32-tolerance quantity across backends: RMSprop's
          // first steps are about lr·sign(g), so rounding that flips a near-zero gradient entry
          // moves that pixel a full step. What follows from it (the baseline's score, the map)
          // agrees to about 1% instead; the input's score does not depend on it.
          const optimized = m.page === 'optimized-baseline';
          for (const k of ['input', 'baseline', 'probability'] as const) if (ref.json.scores[k] !== undefined) close(result.scores[k], ref.json.scores[k], `${m.page} scores.${k}`, optimized && k === 'baseline' ? 1e-2 : 1e-4);
          expect(result.maps.map((x: any) => x.shape)).toEqual(ref.json.maps.map((x: any) => x.shape));
          ref.maps.forEach((want, i) => {
            const got = maps[i]!;
            if (optimized) {
              // A slightly different baseline moves single pixels' attributions: compare the maps as
              // wholes (seen: 5.6% between the page's WebAssembly and the command line's CPU).
              const norm = (v: ArrayLike<number>): number => Math.hypot(...Array.from(v));
              const rel = norm(got.map((v, j) => v - want[j]!)) / norm(want);
              expect(rel, `${m.page} map ${i}: ‖page − command line‖ / ‖command line‖`).toBeLessThan(0.1);
            } else {
              const scale = Math.max(...want.map(Math.abs), 1e-12);
              const worst = Math.max(...got.map((v, j) => Math.abs(v - want[j]!)));
              expect(worst / scale, `${m.page} map ${i}: largest difference over largest value`).toBeLessThan(1e-3);
            }
            const c = ref.json.maps[i].completeness;
            if (c) for (const k of ['sum', 'expected', 'delta'] as const) close(result.maps[i].completeness[k], c[k], `${m.page} completeness.${k}`, optimized ? 1e-2 : 1e-3);
          });
          if (m.cli) {
            // The same JSON as the command line's result.json, but for the field only the page has.
            expect(Object.keys(result).filter((k) => k !== 'page').sort()).toEqual(Object.keys(ref.json).sort());
            expect(result.maps.map((x: any) => x.files)).toEqual(ref.json.maps.map((x: any) => x.files));
            expect(Object.keys(result.timings).sort()).toEqual(Object.keys(ref.json.timings).sort());
            const { batchSize: _a, ...pageParams } = result.parameters;
            const { batchSize: _b, ...cliParams } = ref.json.parameters;
            expect(pageParams).toEqual(cliParams);
          }
          if (optimized) {
            // It did optimise: the baseline's output moved towards the uniform distribution.
            const o = result.baselineOptimization;
            expect(o.settings.iterations).toBe(ITERATIONS);
            expect(o.after.maxDeviation).toBeLessThan(o.before.maxDeviation);
            // Where it started (the black image) is the same on every backend.
            for (const k of ['minProbability', 'maxProbability', 'maxDeviation'] as const) close(o.before[k], ref.json.baselineOptimization.before[k], `baselineOptimization.before.${k}`);
            close(o.after.maxDeviation, ref.json.baselineOptimization.after.maxDeviation, 'baselineOptimization.after.maxDeviation', 1e-2);
          }
          expect(result.page.deletionInsertion).toHaveLength(result.maps.length);
          if (m.page === 'integrated-gradients') expect(result.page.convergence.steps).toEqual([1, 2, STEPS]);
          await expect.poll(() => page.locator('#results canvas').count()).toBe(1 + result.maps.length);
          await shoot(m.page);
        }
        if (config.name === 'no-webgpu') {
          gradCamRef = refs.get('grad-cam');
          await extraChecks(page, shoot);
        }
        expect(pageErrors).toEqual([]);
      } finally {
        await browser.close();
      }
    }, 900_000);
  }
});
}

type Page = import('playwright-core').Page;
/** The command line's Grad-CAM, for the checks on the TypeScript backend. */
let gradCamRef: Reference | undefined;

/** Once: the zip download, an error in one line that leaves the page working, Cancel, and phone width. */
async function extraChecks(page: Page, shoot: (what: string) => Promise<void>): Promise<void> {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download everything (zip)' }).click()]);
  const zip = new Uint8Array(readFileSync((await dl.path())!));
  const entries = readZipDirectory(zip, 'download.zip');
  expect(entries.map((e) => e.name)).toEqual(expect.arrayContaining(['1-digit-3-899.png/overlay.png', '1-digit-3-899.png/attribution.npy', '1-digit-3-899.png/result.json']));
  const json = JSON.parse(new TextDecoder().decode(await extractEntry(zip, entries.find((e) => e.name.endsWith('result.json'))!, inflateRawWithStreams)));
  expect(json).toEqual(await page.evaluate(() => window.stieltjesResult));

  // Compare: the three methods side by side, one result.json each, the same as one at a time.
  await page.selectOption('#method', 'compare');
  await page.fill('#steps', String(STEPS));
  let runs = await page.evaluate(() => window.stieltjesPage.runs);
  await page.getByRole('button', { name: 'Explain', exact: true }).click();
  await page.waitForFunction((n) => window.stieltjesPage.runs > n, runs);
  expect(await page.evaluate(() => window.stieltjesPage.lastError)).toBeUndefined();
  const all = (await page.evaluate(() => window.stieltjesResults)) as Record<string, any>[];
  expect(all.map((r) => r.method)).toEqual(['integrated-gradients', 'grad-cam', 'rsi-grad-cam']);
  for (const r of all) expect(r.scores.input).toBeCloseTo(all[0]!.scores.input, 6);
  expect(all[1]!.maps[0].layer).toBe('block2_conv2');
  await expect.poll(() => page.locator('#results .image-row canvas').count()).toBe(4);
  await shoot('compare');

  // Not a Keras file: one line naming it, and the loaded model still explains.
  await page.setInputFiles('input[type=file]#model-file', IMAGE);
  await expect.poll(() => page.locator('#error').isVisible()).toBe(true);
  const line = (await page.locator('#error').textContent())!;
  expect(line).toMatch(/digit-3-899\.png/);
  expect(line).not.toContain('\n');
  await shoot('error');
  await page.selectOption('#method', 'grad-cam');
  runs = await page.evaluate(() => window.stieltjesPage.runs);
  await page.getByRole('button', { name: 'Explain', exact: true }).click();
  await page.waitForFunction((n) => window.stieltjesPage.runs > n, runs);
  expect(await page.locator('#error').isVisible()).toBe(false);

  // Cancel: a run far too long to finish stops at the next batch.
  await page.selectOption('#method', 'integrated-gradients');
  await page.fill('#steps', '100000');
  await page.fill('#curve-steps', '0');
  runs = await page.evaluate(() => window.stieltjesPage.runs);
  await page.getByRole('button', { name: 'Explain', exact: true }).click();
  await expect.poll(() => page.locator('#progress-text').textContent()).toMatch(/integrated-gradients \d+\/100000/);
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.waitForFunction((n) => window.stieltjesPage.runs > n, runs);
  expect(await page.locator('#error').textContent()).toMatch(/was cancelled: stopped by the user$/);

  // Two images, one of them WebP (made by this browser's encoder from the sample), and the
  // TypeScript backend by name: a row each, and Grad-CAM still the command line's.
  const webp = await page.evaluate(async () => {
    const bitmap = await createImageBitmap(await (await fetch('samples/digit-3-899.png')).blob());
    const c = new OffscreenCanvas(bitmap.width, bitmap.height);
    c.getContext('2d')!.drawImage(bitmap, 0, 0);
    return Array.from(new Uint8Array(await (await c.convertToBlob({ type: 'image/webp', quality: 1 })).arrayBuffer()));
  });
  expect(String.fromCharCode(...webp.slice(8, 12))).toBe('WEBP');
  // (playwright takes paths or buffers, not both: the PNG as a buffer too)
  await page.setInputFiles('input[type=file]#image-files', [
    { name: 'digit-3-899.png', mimeType: 'image/png', buffer: readFileSync(IMAGE) },
    { name: 'digit-3.webp', mimeType: 'image/webp', buffer: Buffer.from(webp) },
  ]);
  await page.selectOption('#backend-choice', 'typescript');
  await expect.poll(() => page.locator('#backend').textContent()).toMatch(/^TypeScript/);
  await page.selectOption('#method', 'grad-cam');
  runs = await page.evaluate(() => window.stieltjesPage.runs);
  await page.getByRole('button', { name: 'Explain', exact: true }).click();
  await page.waitForFunction((n) => window.stieltjesPage.runs > n, runs);
  expect(await page.evaluate(() => window.stieltjesPage.lastError)).toBeUndefined();
  const two = (await page.evaluate(() => window.stieltjesResults)) as Record<string, any>[];
  expect(two.map((r) => [r.image, r.backend.name, r.target.index])).toEqual([['digit-3-899.png', 'cpu', 3], ['digit-3.webp', 'cpu', 3]]);
  const cam = await page.evaluate(() => Array.from(window.stieltjesPage.explanations![0]!.run.explanation.maps[0]!.data));
  const want = gradCamRef!.maps[0]!;
  expect(Math.max(...cam.map((v, j) => Math.abs(v - want[j]!))) / Math.max(...want)).toBeLessThan(1e-4);
  await expect.poll(() => page.locator('#results .image-row').count()).toBe(2);
  await shoot('two-images-typescript');

  // Phone width: nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await shoot('phone');
  await page.setViewportSize({ width: 1280, height: 800 });

  // A weights-only file with its architecture JSON, picked together; then, after a reload, the
  // same model again from the browser's cache without picking anything.
  const pair = ['my_nn_weights.h5', 'my_nn_arch.json'];
  await page.setInputFiles('input[type=file]#model-file', pair.map((f) => `test/fixtures/keras/pplonski_keras2cpp/${f}`));
  await expect.poll(() => page.locator('#model-info').textContent()).toContain(pair.join(' + '));
  expect(await page.evaluate(() => window.stieltjesPage.lastError)).toBeUndefined();
  expect(await page.locator('#layers option').count()).toBeGreaterThan(0);
  await page.reload();
  await expect.poll(() => page.locator('#model-info').textContent()).toContain(pair.join(' + '));
  await shoot('cached-model');
}
