/**
 * Baselines, always given in pixel space (RGB, 0–255, [H, W, 3] row-major) and preprocessed
 * exactly like the image: black, seeded uniform noise, a Gaussian blur of the input, or any
 * array (e.g. read from a .npy file, or an optimised baseline).
 */
import { Random } from '../tensor/random.js';

export interface PixelImage {
  width: number;
  height: number;
  channels: number;
  /** Row-major HWC values on the 0–255 scale (may leave that range). */
  data: Float32Array;
}

export type BaselineKind = 'black' | 'uniform' | 'blur';

export function blackBaseline(height: number, width: number, channels = 3): PixelImage {
  return { height, width, channels, data: new Float32Array(height * width * channels) };
}

/** Uniform noise in [0, 255], reproducible from the seed. */
export function uniformBaseline(height: number, width: number, channels = 3, seed = 0): PixelImage {
  const rng = new Random(seed);
  const data = new Float32Array(height * width * channels);
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform(0, 255);
  return { height, width, channels, data };
}

/** A Gaussian blur of the image (separable, edges clamped). */
export function blurBaseline(image: PixelImage, sigma = 10): PixelImage {
  if (!(sigma > 0)) throw new Error(`blur baseline: sigma must be positive, got ${sigma}`);
  const radius = Math.ceil(3 * sigma);
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const norm = kernel.reduce((a, b) => a + b, 0);
  const k = kernel.map((v) => v / norm);
  const { width: W, height: H, channels: C } = image;
  const tmp = new Float32Array(image.data.length);
  const out = new Float32Array(image.data.length);
  const clamp = (v: number, n: number): number => (v < 0 ? 0 : v >= n ? n - 1 : v);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let d = -radius; d <= radius; d++) s += k[d + radius]! * image.data[(y * W + clamp(x + d, W)) * C + c]!;
        tmp[(y * W + x) * C + c] = s;
      }
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let d = -radius; d <= radius; d++) s += k[d + radius]! * tmp[(clamp(y + d, H) * W + x) * C + c]!;
        out[(y * W + x) * C + c] = s;
      }
  return { width: W, height: H, channels: C, data: out };
}

/** Checks an array baseline (e.g. from .npy) against the image it is meant for. */
export function checkBaseline(b: PixelImage, height: number, width: number, channels: number, source = 'baseline'): PixelImage {
  if (b.height !== height || b.width !== width || b.channels !== channels) {
    throw new Error(`${source}: shape [${b.height}, ${b.width}, ${b.channels}] does not match the model input [${height}, ${width}, ${channels}]`);
  }
  for (let i = 0; i < b.data.length; i++) {
    if (!Number.isFinite(b.data[i]!)) throw new Error(`${source}: element ${i} is ${b.data[i]} (not finite)`);
  }
  return b;
}
