/**
 * From a Keras weight file's contents to a model: VGG19 when the weighted layers fit its topology
 * (any Keras generation, with or without top), otherwise the architecture in the file's model
 * config (Keras 2 full models, .keras archives) or one given separately. Browser-safe.
 */
import type { Backend } from '../kernels/backend.js';
import type { DType } from '../tensor/dtype.js';
import type { KerasWeights } from './keras/types.js';
import { Hdf5File } from './hdf5/index.js';
import { stringAttribute } from './keras/attributes.js';
import { readKerasArchive } from './keras/archive.js';
import { readKerasWeights } from './keras/weights.js';
import { buildFromKerasConfig } from './keras-config.js';
import { checkFiniteWeights } from './finite-weights.js';
import { caffe, noPreprocessing, unitScale, type Preprocessing } from './preprocessing.js';
import type { GraphModel } from './graph-model.js';
import { resolvePixelScaling, type PixelScalingChoice, type ResolvedPixelScaling } from './pixel-scaling.js';
import { buildVgg19 } from './vgg19.js';
import { architectureFromWeights } from './applications/index.js';

export interface LoadModelOptions {
  backend?: Backend;
  /** float32 (default) or float64 (CPU only). */
  dtype?: DType;
  /** Architecture (Keras model JSON) for weights-only files that are not VGG19. */
  config?: unknown;
  /** Name for messages (a path). */
  source?: string;
  /** How pixels become inputs, for config-built models (default: none). */
  preprocessing?: Preprocessing;
  /**
   * Pixel scaling by name (none, unit, symmetric, caffe, torch) or 'auto' (the family's rule, else
   * none when a Rescaling/Normalization layer is inside the model, else the file's attribute, else
   * none); applied by modelFromBytes over `preprocessing`. Default: as `preprocessing` says.
   */
  preprocess?: PixelScalingChoice;
  /** Load weights that are NaN or ±Inf instead of refusing the file (default false). */
  allowNonFinite?: boolean;
}

/**
 * Preprocessing named by a file's root attribute `stieltjes_preprocessing` (our own marker:
 * 'unit-scale' = pixels / 255, 'caffe', 'none'); VGG19 always uses caffe.
 */
export function preprocessingFromMarker(marker: string | undefined): Preprocessing | undefined {
  if (marker === undefined) return undefined;
  if (marker === 'unit-scale') return unitScale;
  if (marker === 'caffe') return caffe;
  if (marker === 'none') return noPreprocessing;
  throw new Error(`unknown stieltjes_preprocessing '${marker}' (expected unit-scale, caffe or none)`);
}

export function looksLikeVgg19(weights: KerasWeights): boolean {
  const convs = weights.layers.filter((l) => l.weights[0]?.shape.length === 4);
  return convs.length === 16;
}

export function modelFromKerasWeights(weights: KerasWeights, opts: LoadModelOptions = {}): GraphModel {
  const where = opts.source ?? 'weight file';
  if (!opts.allowNonFinite) checkFiniteWeights(weights, where);
  let model: GraphModel;
  if (looksLikeVgg19(weights) && opts.config === undefined) {
    model = buildVgg19(weights.layers, { backend: opts.backend, dtype: opts.dtype });
  } else {
    const config = opts.config ?? weights.modelConfig ?? architectureFromWeights(weights.layers)?.config;
    if (config === undefined) {
      const n = weights.layers.filter((l) => l.weights.length > 0).length;
      throw new Error(
        `${where}: a weights-only file with ${n} weighted layers that is not VGG19; give its architecture (the model's to_json() or to_yaml() output, e.g. --config model.json)`,
      );
    }
    const theanoKernels = weights.generation === 'keras1-theano';
    model = buildFromKerasConfig(config, weights.layers, { backend: opts.backend, dtype: opts.dtype, preprocessing: opts.preprocessing ?? noPreprocessing, theanoKernels });
  }
  model.source = opts.source;
  return model;
}

/**
 * Reads a Keras file's contents (.h5 of any generation, or a .keras zip) and our preprocessing
 * marker. Browser-safe: .keras archives are inflated with DecompressionStream.
 */
export async function readKerasBytes(bytes: Uint8Array, name = 'weights file'): Promise<{ weights: KerasWeights; preprocessingMarker?: string }> {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return { weights: await readKerasArchive(bytes, { name }) };
  const file = Hdf5File.open(bytes, { name });
  return { weights: readKerasWeights(file), preprocessingMarker: stringAttribute(file.root, 'stieltjes_preprocessing') };
}

/** A model from a Keras file's bytes (fetched in a browser, or read from disk). */
export async function modelFromBytes(bytes: Uint8Array, opts: LoadModelOptions = {}): Promise<GraphModel> {
  const { weights, preprocessingMarker } = await readKerasBytes(bytes, opts.source);
  if (opts.preprocess !== undefined) {
    const model = modelFromKerasWeights(weights, opts);
    applyPixelScaling(model, opts.preprocess, preprocessingMarker);
    return model;
  }
  return modelFromKerasWeights(weights, { ...opts, preprocessing: opts.preprocessing ?? preprocessingFromMarker(preprocessingMarker) });
}

/** Resolves a pixel scaling choice against a built model (and its file's attribute) and sets it. */
export function applyPixelScaling(model: GraphModel, choice: PixelScalingChoice, marker?: string): ResolvedPixelScaling {
  const r = resolvePixelScaling(choice, { modelName: model.name, layers: model.layers.map((l, i) => ({ name: model.layerNames[i] ?? l.name, kind: l.kind })), marker });
  model.preprocessing = r.preprocessing;
  return r;
}
