/**
 * What the page shows: the model, the predictions, the results (overlays side by side, one row
 * per image, like the paper's figure 3), the run's facts and the plots. Pure DOM building from
 * data; main.ts owns the state and the events.
 */
import { renderHeatmap } from '../src/index.js';
import type { GraphModel, ResolvedPixelScaling, RgbImage } from '../src/index.js';
import { classLabel } from '../src/models/class-label.js';
import { pixelMap, toImageData, type RenderSettings } from './files.js';
import { linePlot } from './plots.js';
import { METHOD_NAMES, type PageMethod, type RunOutput } from './run.js';

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

export function byId<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`the page has no #${id}`);
  return e as T;
}

export function imageCanvas(img: RgbImage): HTMLCanvasElement {
  const c = h('canvas', { width: img.width, height: img.height });
  c.getContext('2d')!.putImageData(toImageData(img), 0, 0);
  return c;
}

/** The spatial layers: those a CAM can explain. */
export function spatialLayers(model: GraphModel): string[] {
  return model.layerNames.filter((n) => model.layerShape(n).length === 3);
}

export function labelOf(model: GraphModel, index: number): string {
  return classLabel(model, index).label ?? `class ${index}`;
}

export function showModel(model: GraphModel, scaling: ResolvedPixelScaling, source: string, backend: string): void {
  const [H, W, C] = model.inputShape;
  const rows = model.layerNames.map((n) => h('tr', {}, h('td', {}, n), h('td', {}, model.layerKind?.(n) ?? ''), h('td', {}, model.layerShape(n).join('×'))));
  byId('model-info').replaceChildren(
    h('dl', {},
      h('dt', {}, 'File'), h('dd', {}, source),
      h('dt', {}, 'Model'), h('dd', {}, `${model.name}: ${model.layerNames.length} layers, input ${H}×${W}×${C}, ${model.numClasses} classes${model.hasSoftmax ? ' (softmax)' : ''}`),
      h('dt', {}, 'Pixel scaling'), h('dd', { id: 'scaling' }, `${scaling.rule} — ${scaling.reason}`),
      h('dt', {}, 'Backend'), h('dd', { id: 'backend' }, backend),
    ),
    h('details', {}, h('summary', {}, `Layers (${model.layerNames.length})`),
      h('table', { className: 'layers' }, h('thead', {}, h('tr', {}, h('th', {}, 'layer'), h('th', {}, 'kind'), h('th', {}, 'output'))), h('tbody', {}, ...rows))),
  );
}

/** The top five classes as buttons; clicking one explains it. */
export function showPredictions(model: GraphModel, imageName: string, output: Float32Array, chosen: number | undefined, onPick: (index: number) => void): void {
  const top = Array.from(output.keys()).sort((a, b) => output[b]! - output[a]!).slice(0, 5);
  const items = top.map((i) => {
    const b = h('button', { type: 'button', className: i === chosen ? 'chosen' : '' }, h('span', {}, `${i}: ${labelOf(model, i)}`), h('span', {}, output[i]!.toFixed(4)));
    b.setAttribute('aria-label', `Explain class ${i}, ${labelOf(model, i)}, score ${output[i]!.toFixed(4)}`);
    b.addEventListener('click', () => onPick(i));
    return h('li', {}, b);
  });
  byId('predictions').replaceChildren(h('p', {}, `Top 5 for ${imageName} (${model.hasSoftmax ? 'probabilities' : 'outputs'}); click one to explain it:`), h('ol', {}, ...items));
}

export interface ImageResult {
  name: string;
  /** Which image of the run (results of one image share a row). */
  imageIndex: number;
  method: PageMethod;
  /** The image at the model's input size (the overlays' background). */
  image: RgbImage;
  run: RunOutput;
}

function mapTitle(method: PageMethod, layer: string | undefined): string {
  return layer ? `${METHOD_NAMES[method]} ${layer}` : METHOD_NAMES[method];
}

/**
 * One row per image: the image, then one overlay per map of every method run on it, side by
 * side. Redrawn when opacity or colours change.
 */
export function showResults(results: readonly ImageResult[], s: RenderSettings): void {
  const rows = [...new Set(results.map((r) => r.imageIndex))].map((k) => {
    const mine = results.filter((r) => r.imageIndex === k);
    const first = mine[0]!;
    const figs = mine.flatMap((r) =>
      r.run.explanation.maps.map((m) => {
        const { height, width, values } = pixelMap(m, s.igMap);
        const overlay = renderHeatmap(values, height, width, r.image, { colormap: s.colormap, alpha: s.alpha }).overlay;
        const c = imageCanvas(overlay);
        const title = mapTitle(r.method, m.space === 'layer' ? m.layer : undefined);
        c.setAttribute('role', 'img');
        c.setAttribute('aria-label', `${title} for ${r.name}`);
        const delta = m.completeness ? `, Δ = ${m.completeness.delta.toExponential(2)}` : '';
        return h('figure', {}, c, h('figcaption', {}, `${title}${delta}`));
      }),
    );
    const e = first.run.explanation;
    const orig = imageCanvas(first.image);
    orig.setAttribute('role', 'img');
    orig.setAttribute('aria-label', first.name);
    return h('div', { className: 'image-row' }, h('figure', {}, orig, h('figcaption', {}, `${first.name}: class ${e.target.index} (${e.target.label ?? 'unlabelled'}), p = ${(e.scores.probability ?? Number.NaN).toFixed(4)}`)), ...figs);
  });
  byId('results').replaceChildren(...rows);
}

const ms = (v: number | undefined): string => (v === undefined ? '' : `${v.toFixed(0)} ms`);

/** Backend, timings, completeness and AUCs, then the plots for the first image. */
export function showRunInfo(results: readonly ImageResult[], backend: string, loadMs: number, wallMs: number): void {
  const firsts = results.filter((r) => r.imageIndex === 0);
  const facts: [string, string][] = [['Backend', backend]];
  for (const r of firsts) {
    const e = r.run.explanation;
    const label = firsts.length > 1 ? ` (${METHOD_NAMES[r.method]})` : '';
    facts.push([`Timings${label}`, [`load ${ms(loadMs)}`, ...Object.entries(e.timings).map(([k, v]) => `${k} ${ms(v)}`), ...Object.entries(r.run.timings).map(([k, v]) => `${k} ${ms(v)}`)].join(', ')]);
    for (const m of e.maps) if (m.completeness) facts.push([`Completeness ${m.layer ?? m.name}${label}`, `Σ = ${m.completeness.sum.toPrecision(6)}, y(x) − y(x′) = ${m.completeness.expected.toPrecision(6)}, Δ = ${m.completeness.delta.toExponential(3)}`]);
    for (const w of e.warnings ?? []) facts.push([`Warning${label}`, w]);
  }
  facts.push(['All images', ms(wallMs)]);
  const aucRows = results.flatMap((r) =>
    (r.run.curves ?? []).map((c, i) => {
      const m = r.run.explanation.maps[i]!;
      return h('tr', {}, h('td', {}, r.name), h('td', {}, mapTitle(r.method, m.layer)), h('td', {}, c.deletion.auc.toFixed(4)), h('td', {}, c.insertion.auc.toFixed(4)));
    }),
  );
  byId('run-info').replaceChildren(
    h('dl', {}, ...facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    ...(aucRows.length ? [h('table', { id: 'auc' }, h('caption', {}, 'Deletion (lower is better) and insertion (higher is better) AUC'), h('thead', {}, h('tr', {}, h('th', {}, 'image'), h('th', {}, 'map'), h('th', {}, 'deletion'), h('th', {}, 'insertion'))), h('tbody', {}, ...aucRows))] : []),
  );
  const plots: Node[] = [];
  for (const r of firsts) {
    const conv = r.run.convergence;
    if (conv) plots.push(linePlot([{ name: '|Δ|', xs: conv.steps, ys: conv.deltas, colour: '#0b57d0' }], { title: 'IG convergence: completeness |Δ| vs steps', xLabel: 'steps', yLabel: '|Δ|', logX: true }));
    (r.run.curves ?? []).forEach((c, i) => {
      const m = r.run.explanation.maps[i]!;
      plots.push(
        linePlot(
          [
            { name: `deletion AUC ${c.deletion.auc.toFixed(3)}`, xs: c.deletion.fractions, ys: c.deletion.scores, colour: '#a50e0e' },
            { name: `insertion AUC ${c.insertion.auc.toFixed(3)}`, xs: c.insertion.fractions, ys: c.insertion.scores, colour: '#137333' },
          ],
          { title: `Deletion/insertion: ${mapTitle(r.method, m.layer)}`, xLabel: 'fraction of pixels', yLabel: 'score' },
        ),
      );
    });
  }
  byId('plots').replaceChildren(...plots);
}
