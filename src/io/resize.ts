/**
 * Bringing an image to the model's input size (browser-safe).
 */
import { resampleBilinear } from './bilinear.js';
import { assertRgbImage, cropImage, type RgbImage } from './image.js';

export interface ResizeOptions {
  /**
   * Crop the largest centred region with the target aspect ratio first, so the content is not
   * stretched (default false: the whole image is stretched to the target size).
   */
  centerCrop?: boolean;
  /**
   * 'bilinear' (default): half-pixel centres, no antialiasing, as TF2 `tf.image.resize` and
   * PyTorch `align_corners=False` (see bilinear.ts).
   * 'nearest': output pixel i takes input pixel floor((i + 0.5) · in/out), the centre-sampling
   * rule of PIL's NEAREST filter, which Keras's `load_img(target_size=...)` uses by default.
   */
  interpolation?: 'bilinear' | 'nearest';
}

/** The centred rectangle with aspect ratio width:height that is as large as possible. */
export function centerCropBox(
  imageHeight: number,
  imageWidth: number,
  targetHeight: number,
  targetWidth: number,
): { top: number; left: number; height: number; width: number } {
  // Compare aspect ratios by cross-multiplying, in integers, so equal ratios crop nothing.
  let height = imageHeight;
  let width = imageWidth;
  if (imageWidth * targetHeight > targetWidth * imageHeight) {
    width = Math.max(1, Math.round((imageHeight * targetWidth) / targetHeight));
  } else if (imageWidth * targetHeight < targetWidth * imageHeight) {
    height = Math.max(1, Math.round((imageWidth * targetHeight) / targetWidth));
  }
  return {
    top: Math.floor((imageHeight - height) / 2),
    left: Math.floor((imageWidth - width) / 2),
    height,
    width,
  };
}

/** Resize (and optionally centre-crop) `image` to height x width. */
export function resizeImage(image: RgbImage, height: number, width: number, options: ResizeOptions = {}): RgbImage {
  assertRgbImage(image, 'resizeImage');
  if (!Number.isSafeInteger(height) || !Number.isSafeInteger(width) || height < 1 || width < 1) {
    throw new Error(`resizeImage: target size ${width}x${height} must be positive integers`);
  }
  if (image.width < 1 || image.height < 1) {
    throw new Error(`resizeImage: cannot resize an empty ${image.width}x${image.height} image`);
  }
  let source = image;
  if (options.centerCrop) {
    const box = centerCropBox(image.height, image.width, height, width);
    source = cropImage(image, box.top, box.left, box.height, box.width);
  }
  const interpolation = options.interpolation ?? 'bilinear';
  if (interpolation === 'nearest') return resizeNearest(source, height, width);
  if (interpolation !== 'bilinear') {
    throw new Error(`resizeImage: unknown interpolation '${String(interpolation)}' (use 'bilinear' or 'nearest')`);
  }
  if (source.height === height && source.width === width) {
    return { width, height, data: source.data.slice() };
  }
  const values = resampleBilinear(source.data, { height: source.height, width: source.width, channels: 3 }, { height, width });
  const data = new Uint8Array(values.length);
  // Uint8Array stores by truncation after clamping; add 0.5 to round to nearest. Bilinear weights
  // never leave [0, 255], so clamping is only a guard.
  for (let i = 0; i < values.length; i++) data[i] = Math.min(255, Math.max(0, Math.round(values[i]!)));
  return { width, height, data };
}

function resizeNearest(image: RgbImage, height: number, width: number): RgbImage {
  const rowOf = (y: number): number => Math.min(image.height - 1, Math.floor(((y + 0.5) * image.height) / height));
  const colOf = (x: number): number => Math.min(image.width - 1, Math.floor(((x + 0.5) * image.width) / width));
  const data = new Uint8Array(width * height * 3);
  let o = 0;
  for (let y = 0; y < height; y++) {
    const row = rowOf(y) * image.width;
    for (let x = 0; x < width; x++) {
      const i = (row + colOf(x)) * 3;
      data[o++] = image.data[i]!;
      data[o++] = image.data[i + 1]!;
      data[o++] = image.data[i + 2]!;
    }
  }
  return { width, height, data };
}
