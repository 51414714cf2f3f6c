/**
 * The image type shared by decoding, resizing, heatmap rendering and PNG writing
 * (browser-safe: no Node imports).
 *
 * An RgbImage is 8-bit RGB, 3 bytes per pixel, rows top to bottom, pixels left to right — the
 * layout of one NHWC image, so it becomes a model input by a plain conversion to float.
 */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** length width * height * 3: R, G, B of pixel (y, x) at ((y * width) + x) * 3. */
  readonly data: Uint8Array;
}

/** A new image, black unless `data` is given (it is used, not copied). */
export function createRgbImage(width: number, height: number, data?: Uint8Array): RgbImage {
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 0 || height < 0) {
    throw new Error(`createRgbImage: invalid size ${width}x${height} (must be non-negative integers)`);
  }
  const length = width * height * 3;
  if (data !== undefined && data.length !== length) {
    throw new Error(`createRgbImage: a ${width}x${height} RGB image needs ${length} bytes, got ${data.length}`);
  }
  return { width, height, data: data ?? new Uint8Array(length) };
}

/** Throw a clear error if `image` is not a consistent RgbImage. */
export function assertRgbImage(image: RgbImage, op: string): void {
  const { width, height, data } = image;
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 0 || height < 0) {
    throw new Error(`${op}: invalid image size ${width}x${height}`);
  }
  if (!(data instanceof Uint8Array) || data.length !== width * height * 3) {
    throw new Error(
      `${op}: a ${width}x${height} RGB image needs ${width * height * 3} bytes of data, got ${data?.length}`,
    );
  }
}

/** Copy of the rectangle with top-left corner (top, left) and the given size. */
export function cropImage(image: RgbImage, top: number, left: number, height: number, width: number): RgbImage {
  assertRgbImage(image, 'cropImage');
  const ok = [top, left, height, width].every((v) => Number.isSafeInteger(v) && v >= 0);
  if (!ok || top + height > image.height || left + width > image.width) {
    throw new Error(
      `cropImage: rectangle top=${top} left=${left} ${width}x${height} does not fit in a ${image.width}x${image.height} image`,
    );
  }
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * image.width + left) * 3;
    out.set(image.data.subarray(from, from + width * 3), y * width * 3);
  }
  return { width, height, data: out };
}
