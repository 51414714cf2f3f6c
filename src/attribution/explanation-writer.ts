/**
 * An Explanation as files. NODE-ONLY (node:fs): exported from `stieltjes/node`, never from the
 * browser-safe entry. Each map becomes a `.npy` (float32, its shape) and a heatmap `.png` (with
 * an image: also the overlay and the image | heatmap | overlay panel), the model's output
 * `probabilities.npy`, and `result.json` holds everything else with the maps' file names.
 *
 * Nothing half-written: every file is rendered in memory first, written (through
 * writeFileAtomic) into a temporary folder beside the destination, and only then moved into it;
 * a failure removes the temporary folder and leaves the destination as it was. The temporary
 * folder is also removed on SIGINT/SIGTERM, and by the next write to the same destination if a
 * crash left it; a lock file beside the destination keeps two writers from mixing their files.
 * NaN and ±Inf are refused before anything is written (unless `allowNonFinite`).
 */
import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { syncFolder, writeFileAtomic } from '../io/atomic-write.js';
import { lockOutput, removeStaleTemporaries } from '../io/output-lock.js';
import { removeOnSignal } from '../io/signal-cleanup.js';
import { encodePng } from '../io/image-codec.js';
import type { RgbImage } from '../io/image.js';
import { encodeNpy } from '../io/npy.js';
import { colormap, type ColormapName } from './colormap.js';
import { explanationSummary, type Explanation, type ExplanationMap } from './explanation.js';
import { ALLOW_HINT, checkFiniteValues, firstNonFinite } from './finite.js';
import { igMap, normalizeMap, renderHeatmap, type IgMapMode } from './heatmap.js';

export interface WriteExplanationOptions {
  /** The image explained, at any size: heatmaps are drawn at its size with overlay and panel. */
  image?: RgbImage;
  /** Default 'jet'. */
  colormap?: ColormapName;
  /** How an input-space map [H, W, C] becomes one value per pixel (default 'abs'). */
  igMap?: IgMapMode;
  /** More top-level fields for result.json (e.g. the command line's image path and weights). */
  extra?: Record<string, unknown>;
  /** Write maps and scores that hold NaN or ±Inf instead of refusing to (default false). */
  allowNonFinite?: boolean;
}

export interface WrittenExplanation {
  /** The destination folder (absolute). */
  dir: string;
  /** The files written, in the order written, result.json last. */
  files: string[];
}

/** The files one map becomes; names keep the command line's historical ones. */
export interface MapFiles {
  npy: string;
  heatmap: string;
  overlay?: string;
  panel?: string;
}

/** Writes `e` into folder `dir` (created if needed; files already there with other names stay). */
export async function writeExplanation(e: Explanation, dir: string, opts: WriteExplanationOptions = {}): Promise<WrittenExplanation> {
  if (!opts.allowNonFinite) checkFiniteExplanation(e);
  const files = renderFiles(e, opts);
  const dest = resolve(dir);
  const lock = await lockOutput(dest);
  try {
    await removeStaleTemporaries(dest);
    await moveIntoPlace(files, dest, dir);
  } finally {
    await lock.release();
  }
  return { dir: dest, files: [...files.keys()].map((n) => join(dest, n)) };
}

/** The files into a temporary folder beside `dest`, then into `dest` (under the lock). */
async function moveIntoPlace(files: Map<string, Uint8Array>, dest: string, dir: string): Promise<void> {
  const existing = await stat(dest).catch(() => null);
  if (existing && !existing.isDirectory()) throw new Error(`cannot write the explanation to ${dir}: it exists and is not a folder`);
  // Checked before anything moves, so a clash cannot leave some files moved and others not.
  if (existing) {
    for (const name of files.keys()) {
      const st = await stat(join(dest, name)).catch(() => null);
      if (st && !st.isFile()) throw new Error(`cannot write ${join(dest, name)}: something other than a file is in the way`);
    }
  }
  await mkdir(dirname(dest), { recursive: true });
  // The pid in the name tells a later run whether the writer is still alive (output-lock.ts).
  const tmp = await mkdtemp(join(dirname(dest), `.${basename(dest)}.partial-${process.pid}-`));
  const unregister = removeOnSignal(tmp);
  try {
    for (const [name, bytes] of files) await writeFileAtomic(join(tmp, name), bytes);
    if (!existing) {
      // One rename: the whole folder appears at once.
      await rename(tmp, dest);
    } else {
      for (const name of files.keys()) await rename(join(tmp, name), join(dest, name));
      await rm(tmp, { recursive: true, force: true });
    }
    await syncFolder(dirname(dest));
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  } finally {
    unregister();
  }
}

/** Every number that would be written, checked before anything is: the first NaN or ±Inf is an error naming it. */
function checkFiniteExplanation(e: Explanation): void {
  const what = (s: string): string => `cannot write the explanation: ${s}`;
  checkFiniteValues(e.scores.output, what('the model output'), ALLOW_HINT);
  checkFiniteValues([e.scores.input, e.scores.probability ?? e.scores.score ?? 0, ...(e.scores.baseline === undefined ? [] : [e.scores.baseline])], what('the scores'), ALLOW_HINT);
  for (const m of e.maps) {
    checkFiniteValues(m.data, what(`map ${m.name}`), ALLOW_HINT);
    if (m.channelWeights) checkFiniteValues(m.channelWeights, what(`map ${m.name}'s channel weights`), ALLOW_HINT);
  }
}

/** Every file's name and bytes, result.json last; throws before anything is written. */
export function renderFiles(e: Explanation, opts: WriteExplanationOptions = {}): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const add = (name: string, bytes: Uint8Array): void => {
    if (out.has(name)) throw new Error(`explanation: two outputs would both be named ${name}`);
    out.set(name, bytes);
  };
  const mapFiles: MapFiles[] = [];
  for (const m of e.maps) {
    const names = mapFileNames(m, !!opts.image);
    const { height, width, values: raw } = pixelMap(m, opts.igMap ?? 'abs');
    // Allowed NaN / ±Inf stay in the .npy; a picture has no colour for them, so they are drawn as 0.
    const values = opts.allowNonFinite && firstNonFinite(raw) >= 0 ? raw.map((v) => (Number.isFinite(v) ? v : 0)) : raw;
    add(names.npy, encodeNpy(m.data, m.shape));
    if (opts.image) {
      const r = renderHeatmap(values, height, width, opts.image, { colormap: opts.colormap });
      add(names.heatmap, encodePng(r.heatmap));
      add(names.overlay!, encodePng(r.overlay));
      add(names.panel!, encodePng(r.panel));
    } else {
      add(names.heatmap, encodePng(colormap(normalizeMap(values), height, width, opts.colormap ?? 'jet')));
    }
    mapFiles.push(names);
  }
  const outputFile = outputFileName(e);
  add(outputFile, encodeNpy(e.scores.output, [e.scores.output.length]));
  const summary = explanationSummary(e);
  const json = {
    ...opts.extra,
    ...summary,
    maps: (summary.maps as object[]).map((m, i) => ({ ...m, files: mapFiles[i] })),
    rendering: { colormap: opts.colormap ?? 'jet', ...(e.maps.some((m) => m.space === 'input') ? { igMap: opts.igMap ?? 'abs' } : {}), overlay: !!opts.image },
    files: { output: outputFile },
  };
  add(RESULT_FILE, new TextEncoder().encode(`${JSON.stringify(json, null, 1)}\n`));
  return out;
}

export const RESULT_FILE = 'result.json';
/** The model's whole output at the input, for a softmax model (its probabilities). */
export const OUTPUT_FILE = 'probabilities.npy';
/** The model's whole output at the input, for any other head (sigmoid, linear): scores, not one distribution. */
export const SCORES_FILE = 'scores.npy';

/** probabilities.npy for a softmax head, scores.npy otherwise. */
export function outputFileName(e: Pick<Explanation, 'scores'>): string {
  return e.scores.head === undefined || e.scores.head === 'softmax' ? OUTPUT_FILE : SCORES_FILE;
}

/**
 * attribution.npy, heatmap.png, overlay.png, panel.png for IG's input-space map; per layer
 * cam-<layer>.npy, heatmap-<layer>.png, … for the CAM methods.
 */
export function mapFileNames(m: ExplanationMap, withImage: boolean): MapFiles {
  const key = safeName(m.space === 'layer' ? (m.layer ?? m.name) : m.name);
  const isAttribution = m.space === 'input' && m.name === 'attribution';
  const npy = m.space === 'layer' ? `cam-${key}.npy` : `${key}.npy`;
  const png = (kind: string): string => (isAttribution ? `${kind}.png` : `${kind}-${key}.png`);
  return { npy, heatmap: png('heatmap'), ...(withImage ? { overlay: png('overlay'), panel: png('panel') } : {}) };
}

/** One value per pixel: input-space maps [H, W, C] through igMap, layer maps [h, w] as they are. */
function pixelMap(m: ExplanationMap, mode: IgMapMode): { height: number; width: number; values: Float32Array } {
  if (m.shape.length === 3) return { height: m.shape[0]!, width: m.shape[1]!, values: igMap(m.data, m.shape, mode) };
  if (m.shape.length === 2) return { height: m.shape[0]!, width: m.shape[1]!, values: m.data };
  throw new Error(`explanation map ${m.name}: shape [${m.shape.join(', ')}] is neither [h, w] nor [H, W, C]`);
}

/** Layer names become file names: anything but letters, digits, '.', '_' and '-' becomes '_'. */
function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}
