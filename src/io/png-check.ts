/**
 * A PNG's claims checked before it is decoded. NODE-ONLY (node:zlib). pngjs allocates whatever
 * the header asks for and inflates interlaced images without any bound (a 389 KB file claiming
 * 20,000×20,000 pixels took 2.9 GB), and tolerates image data that is not valid zlib (a damaged
 * file decoded to an image with exit code 0). So the header is read here first, the pixel count
 * checked against the limit, and the image data inflated once with its exact expected size as
 * the ceiling: zlib stops as soon as it passes it, and any error or shortfall is reported.
 */
import { inflateSync } from 'node:zlib';
import { formatBytes, LIMIT_VARIABLES, type InputLimits } from './limits.js';

export interface PngHeader {
  readonly width: number;
  readonly height: number;
  readonly bitDepth: number;
  readonly colourType: number;
  readonly interlaced: boolean;
}

/** Channels per colour type (0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA) and allowed depths. */
const COLOUR_TYPES: ReadonlyMap<number, { channels: number; depths: readonly number[] }> = new Map([
  [0, { channels: 1, depths: [1, 2, 4, 8, 16] }],
  [2, { channels: 3, depths: [8, 16] }],
  [3, { channels: 1, depths: [1, 2, 4, 8] }],
  [4, { channels: 2, depths: [8, 16] }],
  [6, { channels: 4, depths: [8, 16] }],
]);

/** Adam7 passes: x start, y start, x step, y step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

const u32 = (b: Uint8Array, at: number): number => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

/** Bytes of filtered scanlines (one filter byte per row) the image data must inflate to. */
export function expectedImageDataSize(h: PngHeader): number {
  const bitsPerPixel = COLOUR_TYPES.get(h.colourType)!.channels * h.bitDepth;
  const rows = (width: number, height: number): number => (width > 0 && height > 0 ? height * (1 + Math.ceil((width * bitsPerPixel) / 8)) : 0);
  if (!h.interlaced) return rows(h.width, h.height);
  let total = 0;
  for (const [xs, ys, dx, dy] of ADAM7) total += rows(Math.ceil((h.width - xs) / dx), Math.ceil((h.height - ys) / dy));
  return total;
}

/**
 * Walks the chunks, checks the header against the limits and inflates the image data within
 * its expected size. Throws a one-line Error (the caller prefixes the file name); returns the
 * header when the file is safe to hand to the decoder.
 */
export function checkPng(bytes: Uint8Array, limits: InputLimits): PngHeader {
  let at = 8; // after the signature
  let header: PngHeader | undefined;
  const idat: Uint8Array[] = [];
  let ended = false;
  while (!ended) {
    if (at + 8 > bytes.length) throw new Error(`truncated: no IEND chunk (file ends at byte ${bytes.length})`);
    const length = u32(bytes, at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    const data = at + 8;
    if (data + length + 4 > bytes.length) throw new Error(`truncated: chunk ${JSON.stringify(type)} of ${length} bytes runs past the end of the file`);
    if (header === undefined && type !== 'IHDR') throw new Error(`the first chunk is ${JSON.stringify(type)}, not IHDR`);
    if (type === 'IHDR') header = readHeader(bytes.subarray(data, data + length), limits);
    else if (type === 'IDAT') idat.push(bytes.subarray(data, data + length));
    else if (type === 'IEND') ended = true;
    at = data + length + 4;
  }
  if (idat.length === 0) throw new Error('no image data (IDAT chunk)');
  const expected = expectedImageDataSize(header!);
  let inflated: Buffer;
  try {
    inflated = inflateSync(Buffer.concat(idat), { maxOutputLength: expected });
  } catch (e) {
    const reason = (e as Error).message.split('\n')[0];
    throw new Error(`image data is not valid zlib or holds more than the ${expected} bytes its header implies (${reason})`);
  }
  if (inflated.length !== expected) throw new Error(`image data inflates to ${inflated.length} bytes, ${expected} expected for its header`);
  return header!;
}

function readHeader(ihdr: Uint8Array, limits: InputLimits): PngHeader {
  if (ihdr.length !== 13) throw new Error(`IHDR chunk holds ${ihdr.length} bytes, 13 expected`);
  const width = u32(ihdr, 0);
  const height = u32(ihdr, 4);
  const bitDepth = ihdr[8]!;
  const colourType = ihdr[9]!;
  const interlace = ihdr[12]!;
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) throw new Error(`invalid size ${width}x${height}`);
  const kind = COLOUR_TYPES.get(colourType);
  if (kind === undefined) throw new Error(`invalid colour type ${colourType}`);
  if (!kind.depths.includes(bitDepth)) throw new Error(`invalid bit depth ${bitDepth} for colour type ${colourType}`);
  if (ihdr[10] !== 0 || ihdr[11] !== 0 || interlace > 1) throw new Error('invalid compression, filter or interlace method');
  if (width * height > limits.maxImagePixels) {
    throw new Error(
      `${width}x${height} is ${(width * height / 1e6).toFixed(1)} megapixels, over the limit of ${(limits.maxImagePixels / 1e6).toFixed(1)} (${LIMIT_VARIABLES.maxImagePixels} raises it)`,
    );
  }
  const header = { width, height, bitDepth, colourType, interlaced: interlace === 1 };
  // Decoded RGBA (4 bytes per pixel, 8 when 16-bit) must fit the inflation cap as well.
  const decoded = width * height * 4 * (bitDepth === 16 ? 2 : 1);
  if (Math.max(decoded, expectedImageDataSize(header)) > limits.maxInflatedBytes) {
    throw new Error(`${width}x${height} needs ${formatBytes(decoded)} decoded, over the limit of ${formatBytes(limits.maxInflatedBytes)} (${LIMIT_VARIABLES.maxInflatedBytes} raises it)`);
  }
  return header;
}
