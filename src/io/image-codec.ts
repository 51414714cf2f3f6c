/**
 * PNG and JPEG decoding, PNG encoding. NODE-ONLY: pngjs's synchronous API needs Node's zlib (and
 * Buffer). Browser code should decode through the platform (createImageBitmap + canvas) and hand
 * the RGB bytes to createRgbImage.
 *
 * What decoding keeps: 8-bit RGB. Alpha is dropped, not composited: a pixel's colour is kept as
 * stored whatever its opacity. (One exception comes from pngjs: in a PNG whose transparency is a
 * colour key — a tRNS chunk on a grey or RGB image — pixels of the key colour read as black.)
 * Grey images become R = G = B. 16-bit PNGs are scaled to 8 bits by pngjs (rounded). Palette
 * PNGs are expanded. CMYK JPEGs are converted by jpeg-js.
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { assertRgbImage, type RgbImage } from './image.js';
import { resolveLimits, type InputLimits } from './limits.js';
import { checkPng } from './png-check.js';

export type ImageFormat = 'png' | 'jpeg';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

/** The format named by the file's magic bytes, or undefined for anything else. */
export function detectImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (startsWith(bytes, PNG_SIGNATURE)) return 'png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  return undefined;
}

/** A format we recognise but do not decode, for a more helpful error. */
function recogniseUnsupported(bytes: Uint8Array): string | undefined {
  const ascii = (from: number, to: number): string => String.fromCharCode(...bytes.subarray(from, to));
  if (ascii(0, 4) === 'GIF8') return 'GIF';
  if (ascii(0, 2) === 'BM') return 'BMP';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'WebP';
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return 'TIFF';
  if (ascii(4, 8) === 'ftyp') return 'HEIF/AVIF';
  return undefined;
}

export interface DecodeImageOptions {
  /** Caps on pixels and decoded bytes (default: environment variables, then DEFAULT_LIMITS). */
  readonly limits?: Partial<InputLimits>;
}

/**
 * Decode a PNG or JPEG file's bytes to RGB. The format comes from the magic bytes, not the name;
 * `nameForErrors` (usually the path) is only used in error messages. The header's size is
 * checked against the limits before anything is decoded.
 */
export function decodeImage(bytes: Uint8Array, nameForErrors: string, options: DecodeImageOptions = {}): RgbImage {
  const format = detectImageFormat(bytes);
  if (format === undefined) {
    const known = recogniseUnsupported(bytes);
    const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new Error(
      known
        ? `${nameForErrors}: ${known} images are not supported (use PNG or JPEG)`
        : `${nameForErrors}: not a PNG or JPEG file (it starts with bytes ${head || '(empty file)'})`,
    );
  }
  const limits = resolveLimits(options.limits);
  try {
    return format === 'png' ? decodePng(bytes, limits) : decodeJpeg(bytes, limits);
  } catch (e) {
    // Decoders' messages may span lines; the first says what went wrong.
    const reason = (e as Error).message.split('\n')[0];
    throw new Error(`${nameForErrors}: cannot decode this ${format.toUpperCase()} file: ${reason}`);
  }
}

function decodePng(bytes: Uint8Array, limits: InputLimits): RgbImage {
  checkPng(bytes, limits);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // pngjs always hands back 8-bit RGBA (grey expanded, palette applied, 16 bits rescaled).
  const png = PNG.sync.read(buffer);
  return rgbaToRgb(png.width, png.height, png.data);
}

function decodeJpeg(bytes: Uint8Array, limits: InputLimits): RgbImage {
  // formatAsRGBA: false gives 3 bytes per pixel directly (grey is expanded by jpeg-js), which
  // checks the frame header's size against its limits before allocating.
  const image = jpeg.decode(bytes, {
    useTArray: true,
    formatAsRGBA: false,
    maxResolutionInMP: limits.maxImagePixels / 1e6,
    maxMemoryUsageInMB: Math.max(1, Math.floor(limits.maxInflatedBytes / 2 ** 20)),
  });
  if (image.data.length !== image.width * image.height * 3) {
    throw new Error(`decoder returned ${image.data.length} bytes for ${image.width}x${image.height}`);
  }
  return { width: image.width, height: image.height, data: image.data };
}

function rgbaToRgb(width: number, height: number, rgba: Uint8Array): RgbImage {
  const pixels = width * height;
  if (rgba.length !== pixels * 4) throw new Error(`decoder returned ${rgba.length} bytes for ${width}x${height}`);
  const rgb = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    rgb[p * 3] = rgba[p * 4]!;
    rgb[p * 3 + 1] = rgba[p * 4 + 1]!;
    rgb[p * 3 + 2] = rgba[p * 4 + 2]!;
  }
  return { width, height, data: rgb };
}

/** Encode an RGB image as an 8-bit RGB PNG (colour type 2, no alpha channel). */
export function encodePng(image: RgbImage): Uint8Array {
  assertRgbImage(image, 'encodePng');
  if (image.width < 1 || image.height < 1) {
    throw new Error(`encodePng: PNG cannot hold an empty ${image.width}x${image.height} image`);
  }
  const png = new PNG({
    width: image.width,
    height: image.height,
    colorType: 2,
    inputColorType: 2,
    inputHasAlpha: false,
  });
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  const out = PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
