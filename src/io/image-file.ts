/**
 * Image files on disk. NODE-ONLY (node:fs, and image-codec.ts's pngjs).
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-write.js';
import { decodeImage, encodePng, type DecodeImageOptions } from './image-codec.js';
import type { RgbImage } from './image.js';

/** Read and decode a PNG or JPEG file; errors name the path. */
export async function readImageFile(path: string, options: DecodeImageOptions = {}): Promise<RgbImage> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new Error(`cannot read image file ${path}: ${(e as Error).message}`);
  }
  return decodeImage(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path, options);
}

/** Encode `image` as PNG and write it to `path` atomically (temporary name, then rename). */
export async function writePngFile(path: string, image: RgbImage): Promise<void> {
  await writeFileAtomic(path, encodePng(image));
}
