/**
 * Node-only entry points: read a Keras weight file or `.keras` archive from a path. Kept apart
 * so browser bundles of the rest of src/models/keras never import node:fs or node:zlib.
 */
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { Hdf5File } from '../hdf5/index.js';
import { isZip, readKerasArchiveSync } from './archive.js';
import type { KerasWeights } from './types.js';
import { readKerasWeights } from './weights.js';

/** Whole-file read into one buffer; the weights then view it (no further copies). */
function readBytes(path: string): Uint8Array {
  const buf = readFileSync(path);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Reads `.h5` (any Keras generation) or `.keras` (detected by content, not by extension). */
export function readKerasWeightsFile(path: string): KerasWeights {
  const bytes = readBytes(path);
  if (isZip(bytes)) {
    return readKerasArchiveSync(bytes, (data, size) => inflateRawSync(data, { maxOutputLength: Math.max(size, 1) }), { name: path });
  }
  return readKerasWeights(bytes, { name: path });
}

export function openHdf5File(path: string): Hdf5File {
  return Hdf5File.open(readBytes(path), { name: path });
}
