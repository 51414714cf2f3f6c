/**
 * Heatmap rendering (browser-safe), as attribution-spec.md "Heatmap rendering" defines it:
 *   raw map L^c at layer resolution → bilinear upsampling to the image size → min–max
 *   normalisation to [0, 1] (an all-zero map stays all zero) → colormap (jet by default) →
 *   overlay on the image with weight 0.5.
 * For Integrated Gradients the raw map is igMap(): the per-pixel sum over channels of |IG| or of
 * its positive part.
 *
 * Everything here works on plain Float32Arrays read back from tensors, so it runs after the
 * one read-back an attribution run does, and writing the PNG (src/io/image-file.ts) is separate.
 */
import { resampleBilinear } from '../io/bilinear.js';
import { assertRgbImage, type RgbImage } from '../io/image.js';
import { colormap, type ColormapName } from './colormap.js';

function checkMapSize(map: ArrayLike<number>, height: number, width: number, op: string): void {
  if (!Number.isSafeInteger(height) || !Number.isSafeInteger(width) || height < 1 || width < 1) {
    throw new Error(`${op}: map size ${height}x${width} must be positive integers`);
  }
  if (map.length !== height * width) {
    throw new Error(`${op}: a ${height}x${width} map needs ${height * width} values, got ${map.length}`);
  }
}

/**
 * Bilinear upsampling (or downsampling) of a height x width map to outH x outW, with half-pixel
 * centres — the convention of TF2 `tf.image.resize` and of `cv2.resize`'s INTER_LINEAR when
 * enlarging (see src/io/bilinear.ts).
 */
export function upsampleMap(map: ArrayLike<number>, height: number, width: number, outH: number, outW: number): Float32Array {
  checkMapSize(map, height, width, 'upsampleMap');
  return Float32Array.from(resampleBilinear(map, { height, width, channels: 1 }, { height: outH, width: outW }));
}

/**
 * Min–max normalisation to [0, 1]. A constant map (all zero, as a ReLU'd Grad-CAM map often is)
 * has no range to stretch and becomes all zero rather than NaN. NaN or infinite entries are an
 * error: they mean the attribution itself went wrong.
 */
export function normalizeMap(map: ArrayLike<number>): Float32Array {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < map.length; i++) {
    const v = map[i]!;
    if (!Number.isFinite(v)) throw new Error(`normalizeMap: entry ${i} is ${v}; the map must be finite`);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const out = new Float32Array(map.length);
  const range = max - min;
  if (!(range > 0)) return out;
  for (let i = 0; i < map.length; i++) out[i] = (map[i]! - min) / range;
  return out;
}

export type IgMapMode = 'abs' | 'positive';

/**
 * The per-pixel map of an Integrated Gradients attribution of shape [H, W, C] (or [1, H, W, C]):
 * the sum over channels of |a| ('abs', default) or of max(a, 0) ('positive').
 */
export function igMap(attribution: ArrayLike<number>, shape: readonly number[], mode: IgMapMode = 'abs'): Float32Array {
  const hwc = shape.length === 4 && shape[0] === 1 ? shape.slice(1) : shape;
  if (hwc.length !== 3) {
    throw new Error(`igMap: attribution shape [${shape.join(', ')}] must be [H, W, C] or [1, H, W, C]`);
  }
  const [height, width, channels] = hwc as [number, number, number];
  if (attribution.length !== height * width * channels) {
    throw new Error(`igMap: shape [${shape.join(', ')}] needs ${height * width * channels} values, got ${attribution.length}`);
  }
  if (mode !== 'abs' && mode !== 'positive') {
    throw new Error(`igMap: unknown mode '${String(mode)}' (use 'abs' or 'positive')`);
  }
  const out = new Float32Array(height * width);
  for (let p = 0; p < height * width; p++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) {
      const a = attribution[p * channels + c]!;
      sum += mode === 'abs' ? Math.abs(a) : Math.max(a, 0);
    }
    out[p] = sum;
  }
  return out;
}

/** (1 − alpha)·image + alpha·heat per byte, rounded; alpha = 0.5 is the spec's weight. */
export function overlay(image: RgbImage, heat: RgbImage, alpha = 0.5): RgbImage {
  assertRgbImage(image, 'overlay');
  assertRgbImage(heat, 'overlay');
  if (image.width !== heat.width || image.height !== heat.height) {
    throw new Error(
      `overlay: the heatmap is ${heat.width}x${heat.height} but the image is ${image.width}x${image.height}; upsample the map to the image size first`,
    );
  }
  if (!(alpha >= 0 && alpha <= 1)) throw new Error(`overlay: alpha must be in [0, 1], got ${alpha}`);
  const data = new Uint8Array(image.data.length);
  for (let i = 0; i < data.length; i++) {
    data[i] = Math.round((1 - alpha) * image.data[i]! + alpha * heat.data[i]!);
  }
  return { width: image.width, height: image.height, data };
}

export interface PanelOptions {
  /** Pixels between panels (default 8). */
  gap?: number;
  /** Colour of the gaps and of the space below a shorter image (default white). */
  background?: readonly [number, number, number];
}

/**
 * Images side by side, top-aligned, separated by `gap` pixels of background: the paper's
 * figure-3 panel is renderPanel(original, heatmap, overlay).
 */
export function renderPanel(original: RgbImage, heatmap: RgbImage, overlaid: RgbImage, options: PanelOptions = {}): RgbImage {
  return sideBySide([original, heatmap, overlaid], options);
}

/** Any number of images side by side (see renderPanel). */
export function sideBySide(images: readonly RgbImage[], options: PanelOptions = {}): RgbImage {
  const gap = options.gap ?? 8;
  const background = options.background ?? [255, 255, 255];
  if (!Number.isSafeInteger(gap) || gap < 0) throw new Error(`renderPanel: gap must be a non-negative integer, got ${gap}`);
  if (background.length !== 3 || background.some((c) => !Number.isInteger(c) || c < 0 || c > 255)) {
    throw new Error(`renderPanel: background must be three integers in 0..255, got [${background.join(', ')}]`);
  }
  if (images.length === 0) throw new Error('renderPanel: no images given');
  images.forEach((image) => assertRgbImage(image, 'renderPanel'));

  const width = images.reduce((sum, image) => sum + image.width, 0) + gap * (images.length - 1);
  const height = Math.max(...images.map((image) => image.height));
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) data.set(background, p * 3);
  let left = 0;
  for (const image of images) {
    for (let y = 0; y < image.height; y++) {
      const from = y * image.width * 3;
      data.set(image.data.subarray(from, from + image.width * 3), (y * width + left) * 3);
    }
    left += image.width + gap;
  }
  return { width, height, data };
}

export interface HeatmapOptions {
  /** Default 'jet'. */
  colormap?: ColormapName;
  /** Weight of the heatmap in the overlay; default 0.5. */
  alpha?: number;
}

export interface RenderedHeatmap {
  /** The map upsampled to the image size and normalised to [0, 1] (row-major). */
  readonly normalized: Float32Array;
  /** The coloured map, the image's size. */
  readonly heatmap: RgbImage;
  /** The coloured map blended over the image. */
  readonly overlay: RgbImage;
  /** image | heatmap | overlay. */
  readonly panel: RgbImage;
}

/** The whole spec pipeline for one raw map (mapHeight x mapWidth) and the image it explains. */
export function renderHeatmap(
  rawMap: ArrayLike<number>,
  mapHeight: number,
  mapWidth: number,
  image: RgbImage,
  options: HeatmapOptions = {},
): RenderedHeatmap {
  assertRgbImage(image, 'renderHeatmap');
  checkMapSize(rawMap, mapHeight, mapWidth, 'renderHeatmap');
  const upsampled = upsampleMap(rawMap, mapHeight, mapWidth, image.height, image.width);
  const normalized = normalizeMap(upsampled);
  const heatmap = colormap(normalized, image.height, image.width, options.colormap ?? 'jet');
  const overlaid = overlay(image, heatmap, options.alpha ?? 0.5);
  return { normalized, heatmap, overlay: overlaid, panel: renderPanel(image, heatmap, overlaid) };
}
