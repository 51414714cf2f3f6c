/**
 * From a decoded image to a model input: resize to the model's input size, convert to float
 * pixels (gray models take the mean of R, G, B), preprocess. Browser-safe.
 */
import { fromArray } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import type { RgbImage } from '../io/image.js';
import { resizeImage } from '../io/resize.js';
import { preprocess } from './preprocessing.js';
import type { LayeredModel } from './sequential.js';

export interface ModelInput {
  /** The image at the model's input size (for overlays). */
  image: RgbImage;
  /** Pixels [H, W, C] on the 0–255 scale, in RGB (or gray) order. */
  pixels: Float32Array;
  /** The preprocessed batch of one, [1, H, W, C], on the model's backend. */
  input: Tensor;
}

export function imagePixels(image: RgbImage, channels: number): Float32Array {
  const n = image.width * image.height;
  if (channels === 3) return Float32Array.from(image.data);
  if (channels !== 1) throw new Error(`imagePixels: models with ${channels} input channels are not supported (1 or 3)`);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (image.data[3 * i]! + image.data[3 * i + 1]! + image.data[3 * i + 2]!) / 3;
  return out;
}

export function pixelsToInput(model: LayeredModel, pixels: Float32Array): Tensor {
  const [h, w, c] = model.inputShape;
  if (pixels.length !== h * w * c) throw new Error(`pixelsToInput: ${pixels.length} values do not fit the model input [${h}, ${w}, ${c}]`);
  const t = fromArray(pixels, [1, h, w, c], { backend: model.backend });
  try {
    return preprocess(model.preprocessing, t);
  } finally {
    t.dispose();
  }
}

export function prepareImage(model: LayeredModel, image: RgbImage, opts: { centerCrop?: boolean } = {}): ModelInput {
  const [h, w, c] = model.inputShape;
  const resized = image.width === w && image.height === h ? image : resizeImage(image, h, w, { centerCrop: opts.centerCrop });
  const pixels = imagePixels(resized, c);
  return { image: resized, pixels, input: pixelsToInput(model, pixels) };
}

/** RGBA pixels (a canvas ImageData, for instance) as an RgbImage; alpha is dropped. */
export function rgbFromRgba(data: Uint8ClampedArray | Uint8Array, width: number, height: number): RgbImage {
  if (data.length !== width * height * 4) throw new Error(`rgbFromRgba: ${data.length} bytes do not fit ${width}×${height} RGBA`);
  const out = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < data.length; i += 4, j += 3) {
    out[j] = data[i]!;
    out[j + 1] = data[i + 1]!;
    out[j + 2] = data[i + 2]!;
  }
  return { width, height, data: out };
}

/** prepareImage for browser ImageData (e.g. from canvas.getContext('2d').getImageData). */
export function prepareImageData(model: LayeredModel, imageData: { data: Uint8ClampedArray; width: number; height: number }, opts: { centerCrop?: boolean } = {}): ModelInput {
  return prepareImage(model, rgbFromRgba(imageData.data, imageData.width, imageData.height), opts);
}
