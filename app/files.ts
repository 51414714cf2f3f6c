/**
 * The files of one explanation, made in the browser: the same names and the same result.json as
 * the command line's writeExplanation (src/attribution/explanation-writer.ts), whose own
 * renderer cannot come here (its PNG encoder needs Node's zlib). PNGs are encoded by the browser's
 * canvas instead.
 */
import { encodeNpy, explanationSummary, igMap, renderHeatmap, VERSION } from '../src/index.js';
import type { ColormapName, Explanation, ExplanationMap, IgMapMode, RgbImage } from '../src/index.js';
import { writeZip, type ZipEntry } from './zip-write.js';

export interface RenderSettings {
  colormap: ColormapName;
  igMap: IgMapMode;
  /** Weight of the heatmap in the overlay (the page's opacity slider; the files use it too). */
  alpha: number;
}

/** What the page knows beyond the Explanation, for result.json's top-level fields (as the CLI's). */
export interface RunContext {
  image: string;
  weights: string;
  preprocess: { rule: string; reason: string };
  /** Milliseconds to read the model and make its backend: timings.load, as the command line adds it. */
  loadMs?: number;
  /** Extra, page-only fields (deletion/insertion, convergence). */
  page?: Record<string, unknown>;
}

/** The names writeExplanation gives a map's files (it keeps the command line's historical names). */
export function mapFileNames(m: ExplanationMap): { npy: string; heatmap: string; overlay: string; panel: string } {
  const key = (m.space === 'layer' ? (m.layer ?? m.name) : m.name).replace(/[^A-Za-z0-9._-]/g, '_');
  const plain = m.space === 'input' && m.name === 'attribution';
  const png = (kind: string): string => (plain ? `${kind}.png` : `${kind}-${key}.png`);
  return { npy: m.space === 'layer' ? `cam-${key}.npy` : `${key}.npy`, heatmap: png('heatmap'), overlay: png('overlay'), panel: png('panel') };
}

/** One value per pixel of the map's own grid: IG's [H, W, C] through igMap, CAMs as they are. */
export function pixelMap(m: ExplanationMap, mode: IgMapMode): { height: number; width: number; values: Float32Array } {
  if (m.shape.length === 3) return { height: m.shape[0]!, width: m.shape[1]!, values: igMap(m.data, m.shape, mode) };
  return { height: m.shape[0]!, width: m.shape[1]!, values: m.data };
}

/** result.json exactly as the command line builds it (extra fields first, then the summary). */
export function resultJson(e: Explanation, ctx: RunContext, s: RenderSettings): Record<string, unknown> {
  const summary = explanationSummary(ctx.loadMs === undefined ? e : { ...e, timings: { load: ctx.loadMs, ...e.timings } });
  return {
    stieltjes: VERSION,
    image: ctx.image,
    weights: ctx.weights,
    centerCrop: false,
    preprocess: ctx.preprocess,
    ...summary,
    maps: (summary.maps as object[]).map((m, i) => ({ ...m, files: mapFileNames(e.maps[i]!) })),
    rendering: { colormap: s.colormap, ...(e.maps.some((m) => m.space === 'input') ? { igMap: s.igMap } : {}), overlay: true },
    files: { output: 'probabilities.npy' },
    ...(ctx.page ? { page: ctx.page } : {}),
  };
}

export async function pngBytes(img: RgbImage): Promise<Uint8Array> {
  const canvas = new OffscreenCanvas(img.width, img.height);
  canvas.getContext('2d')!.putImageData(toImageData(img), 0, 0);
  return new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
}

export function toImageData(img: RgbImage): ImageData {
  const out = new ImageData(img.width, img.height);
  for (let i = 0; i < img.width * img.height; i++) {
    out.data[4 * i] = img.data[3 * i]!;
    out.data[4 * i + 1] = img.data[3 * i + 1]!;
    out.data[4 * i + 2] = img.data[3 * i + 2]!;
    out.data[4 * i + 3] = 255;
  }
  return out;
}

/** Every file of one explanation, result.json last, as writeExplanation writes them. */
export async function explanationFiles(e: Explanation, image: RgbImage, ctx: RunContext, s: RenderSettings): Promise<ZipEntry[]> {
  const files: ZipEntry[] = [];
  for (const m of e.maps) {
    const names = mapFileNames(m);
    const { height, width, values } = pixelMap(m, s.igMap);
    files.push({ name: names.npy, data: encodeNpy(m.data, m.shape) });
    const r = renderHeatmap(values, height, width, image, { colormap: s.colormap, alpha: s.alpha });
    files.push({ name: names.heatmap, data: await pngBytes(r.heatmap) });
    files.push({ name: names.overlay, data: await pngBytes(r.overlay) });
    files.push({ name: names.panel, data: await pngBytes(r.panel) });
  }
  files.push({ name: 'probabilities.npy', data: encodeNpy(e.scores.output, [e.scores.output.length]) });
  files.push({ name: 'result.json', data: new TextEncoder().encode(`${JSON.stringify(resultJson(e, ctx, s), null, 1)}\n`) });
  return files;
}

/** Several explanations (one per image) as one zip: a folder each. */
export function zipOf(folders: { folder: string; files: ZipEntry[] }[]): Uint8Array {
  return writeZip(folders.flatMap(({ folder, files }) => files.map((f) => ({ name: `${folder}/${f.name}`, data: f.data }))));
}

/** Offers bytes as a download (nothing is uploaded: a blob: URL stays in this tab). */
export function download(name: string, bytes: Uint8Array, type = 'application/octet-stream'): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
