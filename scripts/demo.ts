/**
 * npm run demo: explains the bundled digit samples with IG, Grad-CAM and RSI-Grad-CAM (two
 * layers), optimises a baseline and reports it, scores every map with deletion/insertion AUC,
 * and writes demo-output/report.html (self-contained) plus the PNGs.
 *
 * STIELTJES_DEMO_OUT sets the output folder; STIELTJES_DEMO_STEPS (default 50 interpolation steps)
 * and STIELTJES_DEMO_ITERATIONS (default 200 baseline iterations) let the test suite run the same
 * job with less work.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  deletionInsertion,
  gradCam,
  igMap,
  integratedGradients,
  optimizeBaseline,
  pixelsToInput,
  prepareImage,
  predict,
  renderHeatmap,
  resizeImage,
  rsiGradCam,
  upsampleMap,
  type LayeredModel,
  type RgbImage,
  type Tensor,
} from '../src/index.js';
import { encodePng, readImageFile, loadModelFile } from '../src/node.js';
import { selectBackend } from '../src/kernels/select-backend.js';
import { ProgressBar } from '../src/cli/progress-bar.js';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const OUT = resolve(process.env.STIELTJES_DEMO_OUT ?? join(ROOT, 'demo-output'));
const SAMPLES = join(ROOT, 'assets', 'digits', 'samples');
const SCALE = 4; // digits are 28×28: show them 4× larger
const STEPS = positiveInt('STIELTJES_DEMO_STEPS', 50);
const ITERATIONS = positiveInt('STIELTJES_DEMO_ITERATIONS', 200);

function positiveInt(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`demo: ${name} must be a whole number of at least 1, got '${text}'`);
    process.exit(2);
  }
  return n;
}

interface Cell {
  title: string;
  panel: RgbImage;
  deletion: number;
  insertion: number;
  note: string;
}

async function main(): Promise<void> {
  const started = Date.now();
  const bar = new ProgressBar(false);
  const say = (l: string): void => bar.message(l);
  const backend = await selectBackend('auto', say);
  const model = await loadModelFile(join(ROOT, 'assets', 'digits', 'digits-cnn.h5'), { backend });
  const convs = model.layerNames.filter((n) => model.layerShape(n).length === 3 && !/pool/.test(n));
  const camLayer = convs.at(-1)!;
  const rsiLayers = [convs.at(-1)!, convs.at(-3) ?? convs[0]!];
  say(`model: ${model.name} (${model.layerNames.join(' → ')}); Grad-CAM at ${camLayer}, RSI-Grad-CAM at ${rsiLayers.join(' and ')}`);
  const [H, W, C] = model.inputShape;
  const black = pixelsToInput(model, new Float32Array(H * W * C));

  await rm(OUT, { recursive: true, force: true });
  await mkdir(join(OUT, 'png'), { recursive: true });

  // The optimised baseline (paper eq. 8): where the model is least sure of anything.
  say(`optimising a baseline (RMSprop, λ = 0.9, max loss, ${ITERATIONS} iterations)…`);
  const opt = await optimizeBaseline(model, { iterations: ITERATIONS, onProgress: bar.update });
  const optimized = pixelsToInput(model, opt.baseline.data);

  const files = (await readdir(SAMPLES)).filter((f) => f.endsWith('.png')).sort();
  const rows: { name: string; label: string; predicted: number; probability: number; image: RgbImage; cells: Cell[] }[] = [];
  for (const [i, file] of files.entries()) {
    say(`[${i + 1}/${files.length}] ${file}`);
    const prepared = prepareImage(model, await readImageFile(join(SAMPLES, file)));
    const x = prepared.input;
    const probs = await predict(model, x);
    const target = probs.indexOf(Math.max(...probs));
    const big = resizeImage(prepared.image, H * SCALE, W * SCALE, { interpolation: 'nearest' });
    const cells: Cell[] = [];
    const score = async (title: string, map: Float32Array, mh: number, mw: number, note: string): Promise<void> => {
      const atInput = upsampleMap(map, mh, mw, H, W);
      const auc = await deletionInsertion(model, x, atInput, { target, steps: 16, deletionBaseline: black });
      const r = renderHeatmap(map, mh, mw, big);
      cells.push({ title, panel: r.overlay, deletion: auc.deletion.auc, insertion: auc.insertion.auc, note });
      await writeFile(join(OUT, 'png', `${file.replace('.png', '')}-${title.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase()}.png`), encodePng(r.panel));
    };
    for (const [name, base] of [['black', black], ['optimised', optimized]] as [string, Tensor][]) {
      const ig = await integratedGradients(model, x, { baseline: base, target, steps: STEPS, onProgress: bar.update });
      const map = igMap(await ig.attribution.data(), [H, W, C]);
      ig.attribution.dispose();
      await score(`IG (${name} baseline)`, map, H, W, `δ = ${ig.delta.toExponential(2)}`);
    }
    const gc = await gradCam(model, x, { layers: [camLayer], target });
    await score(`Grad-CAM ${camLayer}`, gc.maps[0]!.map, gc.maps[0]!.height, gc.maps[0]!.width, '');
    const rsi = await rsiGradCam(model, x, { baseline: black, layers: rsiLayers, target, steps: STEPS, onProgress: bar.update });
    for (const m of rsi.maps) await score(`RSI-Grad-CAM ${m.layer}`, m.map, m.height, m.width, `layer δ = ${m.completenessDelta.toExponential(2)}`);
    rows.push({ name: file, label: file.match(/digit-(\d)/)?.[1] ?? '?', predicted: target, probability: probs[target]!, image: big, cells });
    x.dispose();
  }

  const html = report(model, rows, opt, (Date.now() - started) / 1000, backend.info().name, backend.info().adapter);
  await writeFile(join(OUT, 'report.html'), html);
  const baselineBig = resizeImage(pixelsToImage(opt.baseline.data, H, W, C), H * SCALE, W * SCALE, { interpolation: 'nearest' });
  await writeFile(join(OUT, 'png', 'optimised-baseline.png'), encodePng(baselineBig));
  say(`done in ${((Date.now() - started) / 1000).toFixed(1)} s: open ${join(OUT, 'report.html')} (PNGs in ${join(OUT, 'png')})`);
}

function pixelsToImage(px: Float32Array, h: number, w: number, c: number): RgbImage {
  // Stretch the baseline's range to 0–255 so its (small) structure is visible.
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of px) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const data = new Uint8Array(h * w * 3);
  for (let i = 0; i < h * w; i++) {
    for (let k = 0; k < 3; k++) {
      const v = px[i * c + (c === 3 ? k : 0)]!;
      data[i * 3 + k] = hi > lo ? Math.round(((v - lo) / (hi - lo)) * 255) : 0;
    }
  }
  return { width: w, height: h, data };
}

const dataUri = (img: RgbImage): string => `data:image/png;base64,${Buffer.from(encodePng(img)).toString('base64')}`;
const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const num = (v: number): string => (Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(2) : v.toFixed(3));

function report(
  model: LayeredModel,
  rows: { name: string; label: string; predicted: number; probability: number; image: RgbImage; cells: Cell[] }[],
  opt: Awaited<ReturnType<typeof optimizeBaseline>>,
  seconds: number,
  backend: string,
  adapter: string,
): string {
  const methods = rows[0]?.cells.map((c) => c.title) ?? [];
  const mean = (i: number, key: 'deletion' | 'insertion'): number => rows.reduce((s, r) => s + r.cells[i]![key], 0) / rows.length;
  const stat = (s: typeof opt.before): string =>
    `<td>${num(s.minProbability)} … ${num(s.maxProbability)}</td><td>${num(s.maxDeviation)}</td><td>[${s.pixelMin.toFixed(2)}, ${s.pixelMax.toFixed(2)}]</td><td>${num(s.l0)}</td>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>stieltjes demo: explaining a digit classifier</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.4rem .6rem;text-align:center;vertical-align:top;font-size:.85rem}
img{image-rendering:pixelated;display:block;margin:0 auto}.n{font-family:ui-monospace,monospace;font-size:.8rem;color:#444}
caption{text-align:left;font-weight:600}
</style></head><body>
<h1>stieltjes demo</h1>
<p>Model <b>${esc(model.name)}</b> (bundled, trained by stieltjes itself; layers ${esc(model.layerNames.join(' → '))}).
Backend <b>${esc(backend)}</b> (${esc(adapter)}). ${STEPS} interpolation steps. Finished in ${seconds.toFixed(1)} s.</p>
<p>Each cell: the attribution map over the digit (jet colormap, overlay weight 0.5), then deletion AUC (lower is better) and
insertion AUC (higher is better), RISE-style, 16 steps, black as the removed value.</p>
<table><caption>Attributions</caption>
<tr><th>digit</th>${methods.map((m) => `<th>${esc(m)}</th>`).join('')}</tr>
${rows
  .map(
    (r) =>
      `<tr><td><img src="${dataUri(r.image)}" width="${r.image.width}" alt="${esc(r.name)}"><div class="n">label ${r.label}<br>predicted ${r.predicted} (p = ${r.probability.toFixed(3)})</div></td>${r.cells
        .map((c) => `<td><img src="${dataUri(c.panel)}" width="${c.panel.width}" alt="${esc(c.title)}"><div class="n">del ${num(c.deletion)} · ins ${num(c.insertion)}${c.note ? `<br>${esc(c.note)}` : ''}</div></td>`)
        .join('')}</tr>`,
  )
  .join('\n')}
<tr><th>mean</th>${methods.map((_, i) => `<td class="n">del ${num(mean(i, 'deletion'))} · ins ${num(mean(i, 'insertion'))}</td>`).join('')}</tr>
</table>
<table><caption>Optimised baseline (paper eq. 8: λ = ${opt.settings.lambda}, loss ${opt.settings.loss}, ${opt.settings.optimizer} lr ${opt.settings.learningRate}, ${opt.settings.iterations} iterations)</caption>
<tr><th></th><th>probabilities (min … max)</th><th>max |o_b − 1/K|</th><th>pixel range (0–255)</th><th>L₀</th></tr>
<tr><th>black</th>${stat(opt.before)}</tr>
<tr><th>optimised</th>${stat(opt.after)}</tr>
</table>
<p><img src="${dataUri(resizeImage(pixelsToImage(opt.baseline.data, model.inputShape[0], model.inputShape[1], model.inputShape[2]), 112, 112, { interpolation: 'nearest' }))}" width="112" alt="optimised baseline"><span class="n">the optimised baseline (contrast stretched)</span></p>
</body></html>
`;
}

main().catch((e: unknown) => {
  process.stderr.write(`demo failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
