/**
 * Loading a model from a file on disk (Node only): Keras .h5 files of every generation and
 * .keras archives, with an optional architecture JSON for weights-only files.
 */
import { readFile } from 'node:fs/promises';
import type { Backend } from '../kernels/backend.js';
import type { DType } from '../tensor/dtype.js';
import type { KerasWeights } from './keras/types.js';
import { modelFromBytes, readKerasBytes } from './load-model.js';
import type { GraphModel } from './graph-model.js';
import type { PixelScalingChoice } from './pixel-scaling.js';
import { parseModelConfig } from './keras-config.js';
import { parseKerasYaml } from './keras-yaml.js';

export interface LoadModelFileOptions {
  backend?: Backend;
  /** float32 (default) or float64 (CPU only). */
  dtype?: DType;
  /** Path of a Keras model JSON (architecture) for weights-only files that are not VGG19. */
  configPath?: string;
  /** Load weights that are NaN or ±Inf instead of refusing the file (default false). */
  allowNonFinite?: boolean;
  /** Pixel scaling by name, or 'auto' (see LoadModelOptions.preprocess). */
  preprocess?: PixelScalingChoice;
}

async function readBytes(path: string, what: string): Promise<Uint8Array> {
  try {
    const b = await readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${what} ${path}: no such file` : `${what} ${path}: ${(e as Error).message}`);
  }
}

/** Reads the weights (and our preprocessing marker) of a .h5 or .keras file. */
export async function readKerasFile(path: string): Promise<{ weights: KerasWeights; preprocessingMarker?: string }> {
  return readKerasBytes(await readBytes(path, 'weights file'), path);
}

/**
 * Reads a model architecture for a weights-only file: Keras's `to_json()` (also stored again as a
 * JSON string, once or twice) or Keras 1/2's `to_yaml()` (a .yaml/.yml file, or any file whose
 * text is not JSON but reads as that YAML).
 */
export async function readModelConfigFile(path: string): Promise<unknown> {
  const text = new TextDecoder().decode(await readBytes(path, 'model config'));
  return parseModelConfigText(text, path);
}

/** The architecture in a config file's text (JSON, or Keras's YAML), as an object. */
export function parseModelConfigText(text: string, path = 'model config'): unknown {
  const yamlName = /\.ya?ml$/i.test(path);
  if (!yamlName) {
    try {
      return parseModelConfig(JSON.parse(text));
    } catch (e) {
      // Not JSON: Keras's YAML when it looks like a mapping with a class_name, else the JSON error.
      if (!/^\s*(---\s*)?(\w+:)/m.test(text) || !/^class_name:/m.test(text)) throw new Error(`model config ${path}: not valid JSON (${(e as Error).message})`);
    }
  }
  try {
    return parseKerasYaml(text, `model config ${path}`);
  } catch (e) {
    throw new Error((e as Error).message.startsWith('model config') ? (e as Error).message : `model config ${path}: ${(e as Error).message}`);
  }
}

export async function loadModelFile(path: string, opts: LoadModelFileOptions = {}): Promise<GraphModel> {
  const bytes = await readBytes(path, 'weights file');
  const config = opts.configPath ? await readModelConfigFile(opts.configPath) : undefined;
  return modelFromBytes(bytes, { backend: opts.backend, dtype: opts.dtype, config, source: path, allowNonFinite: opts.allowNonFinite, preprocess: opts.preprocess });
}
