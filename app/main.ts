/**
 * The page: state and events. A model (user's file, the cached one, or the bundled digit model)
 * and images come in through file inputs or drag and drop; Explain runs run.ts on every image;
 * view.ts shows the result; files.ts makes the downloads. Errors become one line in #error and
 * leave the page usable.
 */
import { applyPixelScaling, defaultCamLayer, modelFromKerasWeights, predict, prepareImage, readKerasBytes, rgbFromRgba } from '../src/index.js';
import type { GraphModel, PixelScalingChoice, ResolvedPixelScaling, RgbImage } from '../src/index.js';
import { chooseBackend, type BackendPreference, type ChosenBackend } from './backend.js';
import { download, explanationFiles, mapFileNames, resultJson, zipOf, type RenderSettings, type RunContext } from './files.js';
import { forgetModel, loadCachedModel, saveModel } from './model-cache.js';
import { runExplanation, type MethodChoice, type PageMethod, type RunSettings } from './run.js';
import { byId, h, showModel, showPredictions, showResults, showRunInfo, spatialLayers, type ImageResult } from './view.js';

type FileBytes = { name: string; bytes: Uint8Array };
interface Loaded {
  model: GraphModel;
  files: FileBytes[];
  marker?: string;
  scaling: ResolvedPixelScaling;
  source: string;
  loadMs: number;
}

/** Hooks for automated use (the tests, scripts): stable names. */
declare global {
  interface Window {
    /** result.json of the last finished run (its first image), as the command line writes it. */
    stieltjesResult?: Record<string, unknown>;
    /** One result.json per image of the last run. */
    stieltjesResults?: Record<string, unknown>[];
    /** Runs finished (successfully or not), the last error, the page's state. */
    stieltjesPage: { runs: number; lastError?: string; ready: boolean; backend?: string; explanations?: ImageResult[] };
  }
}
window.stieltjesPage = { runs: 0, ready: false };

const state: { chosen?: ChosenBackend; loaded?: Loaded; images: { name: string; rgb: RgbImage }[]; results?: ImageResult[]; controller?: AbortController } = { images: [] };
const $ = <T extends HTMLElement>(id: string): T => byId<T>(id);
const value = (id: string): string => $<HTMLInputElement | HTMLSelectElement>(id).value;

function oneLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0]!.trim() || 'unknown error';
}

function showError(e: unknown, what?: string): void {
  const line = what ? `${what}: ${oneLine(e)}` : oneLine(e);
  const p = $('error');
  p.textContent = line;
  p.hidden = false;
  window.stieltjesPage.lastError = line;
  console.error(e);
}

function clearError(): void {
  $('error').hidden = true;
  delete window.stieltjesPage.lastError;
}

function renderSettings(): RenderSettings {
  return { colormap: value('colormap') as RenderSettings['colormap'], igMap: value('ig-map') as RenderSettings['igMap'], alpha: Number(value('opacity')) };
}

async function backend(): Promise<ChosenBackend> {
  state.chosen ??= await chooseBackend(value('backend-choice') as BackendPreference);
  window.stieltjesPage.backend = state.chosen.description;
  return state.chosen;
}

async function loadModel(files: FileBytes[], cache = true): Promise<void> {
  const t0 = performance.now();
  const json = files.filter((f) => /\.json$/i.test(f.name));
  const weights = files.filter((f) => !/\.json$/i.test(f.name));
  if (weights.length !== 1) throw new Error(`give one weights file (.h5 or .keras) and at most one architecture .json; got ${files.map((f) => f.name).join(', ') || 'nothing'}`);
  const w = weights[0]!;
  let config: unknown;
  if (json[0]) {
    try {
      config = JSON.parse(new TextDecoder().decode(json[0].bytes));
    } catch (e) {
      throw new Error(`${json[0].name} is not JSON: ${oneLine(e)}`);
    }
  }
  const chosen = await backend();
  const { weights: kw, preprocessingMarker } = await readKerasBytes(w.bytes, w.name);
  const model = modelFromKerasWeights(kw, { backend: chosen.backend, source: w.name, config });
  const scaling = applyPixelScaling(model, value('preprocess') as PixelScalingChoice, preprocessingMarker);
  state.loaded = { model, files, marker: preprocessingMarker, scaling, source: files.map((f) => f.name).join(' + '), loadMs: performance.now() - t0 };
  state.results = undefined;
  showModel(model, scaling, state.loaded.source, [chosen.description, ...chosen.notes].join('; '));
  const layerSelect = $<HTMLSelectElement>('layers');
  const dflt = defaultCamLayer(model);
  layerSelect.replaceChildren(...spatialLayers(model).map((n) => h('option', { value: n, selected: n === dflt }, `${n} (${model.layerShape(n).join('×')})`)));
  $<HTMLInputElement>('target').max = String(model.numClasses - 1);
  if (cache) saveModel(files).catch((e) => console.warn(`the model was not cached: ${oneLine(e)}`));
  await updatePredictions();
}

async function decodeImage(name: string, blob: Blob): Promise<{ name: string; rgb: RgbImage }> {
  let bitmap: ImageBitmap;
  try {
    // No colour management and no premultiplication: the pixels as stored, as the CLI reads them.
    bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch {
    throw new Error(`${name} is not an image this browser can decode (PNG, JPEG, WebP)`);
  }
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0);
  const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
  bitmap.close();
  return { name, rgb: rgbFromRgba(data.data, data.width, data.height) };
}

async function setImages(files: { name: string; blob: Blob }[]): Promise<void> {
  state.images = await Promise.all(files.map((f) => decodeImage(f.name, f.blob)));
  state.results = undefined;
  await updatePredictions();
}

async function updatePredictions(): Promise<void> {
  const l = state.loaded;
  const first = state.images[0];
  $<HTMLButtonElement>('explain').disabled = !l || !first || !!state.controller;
  if (!l || !first) return;
  const prepared = prepareImage(l.model, first.rgb);
  try {
    const out = await predict(l.model, prepared.input);
    const t = value('target');
    showPredictions(l.model, first.name, out, t === '' ? undefined : Number(t), (i) => {
      $<HTMLInputElement>('target').value = String(i);
      void explainAll();
    });
  } finally {
    prepared.input.dispose();
  }
  window.stieltjesPage.ready = true;
}

function settings(): Omit<RunSettings, 'method'> & { method: MethodChoice } {
  const l = state.loaded!;
  const int = (id: string, lo: number, hi: number): number => {
    const v = Number(value(id));
    const label = document.querySelector(`label[for=${id}]`)?.textContent ?? id;
    if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`${label}: an integer from ${lo} to ${hi}, got '${value(id)}'`);
    return v;
  };
  const layers = Array.from($<HTMLSelectElement>('layers').selectedOptions, (o) => o.value);
  const method = value('method') as MethodChoice;
  if ((method === 'grad-cam' || method === 'rsi-grad-cam' || method === 'compare') && layers.length === 0) throw new Error('choose at least one layer for a CAM method');
  return {
    method,
    layers,
    steps: int('steps', 1, 100_000),
    rule: value('rule') as RunSettings['rule'],
    baseline: value('baseline') as RunSettings['baseline'],
    target: value('target') === '' ? undefined : int('target', 0, l.model.numClasses - 1),
    iterations: int('iterations', 0, 100_000),
    convergence: $<HTMLInputElement>('convergence').checked,
    curveSteps: int('curve-steps', 0, 1000),
    batchSize: batchSize(),
  };
}

/**
 * Interpolated inputs per batch. Software WebGPU compiles the larger batched kernel variants very
 * slowly: one at a time there. The CPU backends run on the page's main thread, and progress and
 * Cancel only get a turn between batches: small ones keep the page responsive. A real GPU takes
 * as many as its memory allows.
 */
function batchSize(): number | undefined {
  const c = state.chosen;
  if (c?.kind === 'webgpu') return c.backend.info().softwareAdapter ? 1 : undefined;
  return 8;
}

function contextFor(r: ImageResult): RunContext {
  const l = state.loaded!;
  const page: Record<string, unknown> = {};
  if (r.run.convergence) page.convergence = r.run.convergence;
  if (r.run.curves) page.deletionInsertion = r.run.curves.map((c) => ({ deletion: c.deletion, insertion: c.insertion }));
  if (Object.keys(r.run.timings).length) page.timings = r.run.timings;
  return { image: r.name, weights: l.model.source ?? l.source, preprocess: { rule: l.scaling.rule, reason: l.scaling.reason }, loadMs: l.loadMs, ...(Object.keys(page).length ? { page } : {}) };
}

async function explainAll(): Promise<void> {
  if (state.controller || !state.loaded || state.images.length === 0) return;
  clearError();
  const controller = new AbortController();
  state.controller = controller;
  const [explainBtn, cancelBtn, bar, text] = [$<HTMLButtonElement>('explain'), $<HTMLButtonElement>('cancel'), $<HTMLProgressElement>('progress'), $('progress-text')];
  explainBtn.disabled = true;
  cancelBtn.disabled = false;
  const t0 = performance.now();
  try {
    const s = settings();
    const { model } = state.loaded;
    const results: ImageResult[] = [];
    // Compare: the three methods side by side on each image, as in the paper's figure 3.
    const methods: PageMethod[] = s.method === 'compare' ? ['integrated-gradients', 'grad-cam', 'rsi-grad-cam'] : [s.method];
    const parts = state.images.length * methods.length;
    for (const [k, img] of state.images.entries()) {
      const prepared = prepareImage(model, img.rgb);
      try {
        for (const [j, method] of methods.entries()) {
          const run = await runExplanation(model, prepared.input, { ...s, method }, {
            signal: controller.signal,
            onProgress: (p, stage) => {
              bar.value = (k * methods.length + j + p.done / Math.max(p.total, 1)) / parts;
              text.textContent = `${img.name}: ${stage}, ${p.phase} ${p.done}/${p.total}`;
            },
          });
          results.push({ name: img.name, imageIndex: k, method, image: prepared.image, run });
        }
      } finally {
        prepared.input.dispose();
      }
    }
    bar.value = 1;
    const wall = performance.now() - t0;
    text.textContent = `done in ${(wall / 1000).toFixed(2)} s`;
    state.results = results;
    redraw();
    showRunInfo(results, state.chosen!.description, state.loaded.loadMs, wall);
    showDownloads();
    const rs = renderSettings();
    window.stieltjesResults = results.map((r) => resultJson(r.run.explanation, contextFor(r), rs));
    window.stieltjesPage.explanations = results;
    window.stieltjesResult = window.stieltjesResults[0];
  } catch (e) {
    text.textContent = e instanceof Error && e.name === 'AbortError' ? 'cancelled' : 'failed';
    showError(e);
    await recoverFromLostDevice(e);
  } finally {
    state.controller = undefined;
    cancelBtn.disabled = true;
    explainBtn.disabled = false;
    window.stieltjesPage.runs++;
  }
}

/** A lost GPU device takes the model's weights with it: start a fresh backend and reload the model. */
async function recoverFromLostDevice(e: unknown): Promise<void> {
  if (state.chosen?.kind !== 'webgpu' || !/device (was )?lost|device is lost|destroyed/i.test(oneLine(e))) return;
  state.chosen = undefined;
  if (state.loaded) await loadModel(state.loaded.files, false).catch((err) => showError(err, 'reloading the model after a lost GPU device'));
}

function redraw(): void {
  if (state.results) showResults(state.results, renderSettings());
}

function showDownloads(): void {
  const results = state.results ?? [];
  const buttons: HTMLButtonElement[] = [];
  const button = (label: string, act: () => Promise<void>): void => {
    const b = h('button', { type: 'button' }, label);
    b.addEventListener('click', () => act().catch((e) => showError(e, `download ${label}`)));
    buttons.push(b);
  };
  const filesOf = (r: ImageResult) => explanationFiles(r.run.explanation, r.image, contextFor(r), renderSettings());
  const compare = new Set(results.map((r) => r.method)).size > 1;
  const folder = (r: ImageResult): string => `${r.imageIndex + 1}-${r.name.replace(/[^A-Za-z0-9._-]/g, '_')}${compare ? `-${r.method}` : ''}`;
  results.forEach((r) => {
    for (const m of r.run.explanation.maps) {
      const names = mapFileNames(m);
      const pick = async (n: string): Promise<void> => {
        const f = (await filesOf(r)).find((x) => x.name === n)!;
        download(`${folder(r)}-${n}`, f.data);
      };
      const who = compare ? `${r.name}, ${r.method}` : r.name;
      button(`${who}: ${names.overlay}`, () => pick(names.overlay));
      button(`${who}: ${names.npy}`, () => pick(names.npy));
    }
    button(`${compare ? `${r.name}, ${r.method}` : r.name}: result.json`, async () => download(`${folder(r)}-result.json`, new TextEncoder().encode(JSON.stringify(resultJson(r.run.explanation, contextFor(r), renderSettings()), null, 1)), 'application/json'));
  });
  if (results.length) button('Download everything (zip)', async () => download('stieltjes-explanations.zip', zipOf(await Promise.all(results.map(async (r) => ({ folder: folder(r), files: await filesOf(r) })))), 'application/zip'));
  $('downloads').replaceChildren(...buttons);
}

async function filesFromInput(list: FileList | File[]): Promise<FileBytes[]> {
  return Promise.all(Array.from(list, async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

/** Runs an action, its error as one line; controls stay usable either way. */
function guarded(what: string, act: () => Promise<void>): () => void {
  return () => {
    clearError();
    act().catch((e) => showError(e, what));
  };
}

function methodChanged(): void {
  const m = value('method') as MethodChoice;
  const cam = m === 'grad-cam' || m === 'rsi-grad-cam' || m === 'compare';
  $<HTMLSelectElement>('layers').disabled = !cam;
  for (const id of ['steps', 'rule']) $<HTMLInputElement>(id).disabled = m === 'grad-cam';
  $<HTMLSelectElement>('baseline').disabled = m === 'grad-cam' || m === 'optimized-baseline';
  $<HTMLInputElement>('iterations').disabled = m !== 'optimized-baseline';
  // RSI-Grad-CAM (alone or in the comparison) integrates with the right or trapezoid rule only.
  const rsi = m === 'rsi-grad-cam' || m === 'compare';
  for (const o of Array.from($<HTMLSelectElement>('rule').options)) o.disabled = rsi && o.value !== 'right' && o.value !== 'trapezoid';
  if (rsi && !['right', 'trapezoid'].includes(value('rule'))) $<HTMLSelectElement>('rule').value = 'right';
}

function wire(): void {
  const modelInput = $<HTMLInputElement>('model-file');
  modelInput.addEventListener('change', guarded('model', async () => {
    try {
      await loadModel(await filesFromInput(modelInput.files ?? []));
    } catch (e) {
      // The previous model stays loaded: the input should not name the file that failed.
      modelInput.value = '';
      throw e;
    }
  }));
  $('bundled-model').addEventListener('click', guarded('bundled model', async () => loadModel([{ name: 'digits-cnn.h5', bytes: await fetchBytes('models/digits-cnn.h5') }])));
  $('forget-model').addEventListener('click', guarded('cache', async () => forgetModel()));
  const imageInput = $<HTMLInputElement>('image-files');
  imageInput.addEventListener('change', guarded('images', async () => setImages(Array.from(imageInput.files ?? [], (f) => ({ name: f.name, blob: f })))));
  $('sample-image').addEventListener('click', guarded('sample image', async () => setImages([{ name: 'digit-3-899.png', blob: new Blob([(await fetchBytes('samples/digit-3-899.png')) as BlobPart]) }])));
  $('preprocess').addEventListener('change', guarded('pixel scaling', async () => {
    const l = state.loaded;
    if (!l) return;
    l.scaling = applyPixelScaling(l.model, value('preprocess') as PixelScalingChoice, l.marker);
    $('scaling').textContent = `${l.scaling.rule} — ${l.scaling.reason}`;
    await updatePredictions();
  }));
  $('backend-choice').addEventListener('change', guarded('backend', async () => {
    state.chosen = undefined;
    if (state.loaded) await loadModel(state.loaded.files, false);
  }));
  $('target').addEventListener('change', guarded('class', updatePredictions));
  $('method').addEventListener('change', methodChanged);
  $('explain').addEventListener('click', () => void explainAll());
  $('cancel').addEventListener('click', () => state.controller?.abort(new Error('stopped by the user')));
  for (const id of ['opacity', 'colormap', 'ig-map']) $(id).addEventListener('input', () => { try { redraw(); } catch (e) { showError(e, 'display'); } });
  // Drop files anywhere: images go to the images, anything else is taken for a model.
  document.body.addEventListener('dragover', (e) => { e.preventDefault(); document.body.classList.add('dragging'); });
  document.body.addEventListener('dragleave', () => document.body.classList.remove('dragging'));
  document.body.addEventListener('drop', (e) => {
    e.preventDefault();
    document.body.classList.remove('dragging');
    const files = Array.from(e.dataTransfer?.files ?? []);
    const images = files.filter((f) => f.type.startsWith('image/'));
    const model = files.filter((f) => !f.type.startsWith('image/'));
    guarded('dropped files', async () => {
      if (model.length) await loadModel(await filesFromInput(model));
      if (images.length) await setImages(images.map((f) => ({ name: f.name, blob: f })));
    })();
  });
  methodChanged();
}

wire();
// Failures outside any action (a GPU device lost between runs, a rejected promise in a library
// callback) still reach the error line rather than only the console.
window.addEventListener('unhandledrejection', (e) => showError(e.reason));
window.addEventListener('error', (e) => showError(e.error ?? e.message));
// The last model, if this browser kept one.
loadCachedModel()
  .then((c) => (c && !state.loaded ? loadModel(c.files, false) : undefined))
  .catch((e) => showError(e, 'cached model'));
