/**
 * .npy files on disk. NODE-ONLY (node:fs); npy.ts itself is browser-safe.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-write.js';
import { decodeNpy, encodeNpy, type NpyArray, type NpyData } from './npy.js';

/** Read a .npy file; errors name the path. */
export async function readNpyFile(path: string): Promise<NpyArray> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new Error(`cannot read .npy file ${path}: ${(e as Error).message}`);
  }
  return decodeNpy(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
}

/** Write `data` with `shape` (C order) to `path` atomically. */
export async function writeNpyFile(path: string, data: NpyData, shape: readonly number[]): Promise<void> {
  await writeFileAtomic(path, encodeNpy(data, shape));
}
