/**
 * Which model a command uses: --weights FILE, else the Keras cache VGG19 file, else the bundled
 * digit model, saying which. Also class labels for messages and JSON.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend, Storage } from '../kernels/backend.js';
import { CpuBackend } from '../kernels/cpu/cpu-backend.js';
import type { DType, TypedArray } from '../tensor/dtype.js';
import { classLabel as knownClassLabel } from '../models/class-label.js';
import { checkFiniteWeights } from '../models/finite-weights.js';
import { applyPixelScaling, modelFromKerasWeights } from '../models/load-model.js';
import { PIXEL_SCALINGS, type PixelScalingChoice, type ResolvedPixelScaling } from '../models/pixel-scaling.js';
import { readKerasFile, readModelConfigFile } from '../models/load-model-file.js';
import type { LayeredModel } from '../models/sequential.js';
import { CliError } from './errors.js';

export { PIXEL_SCALINGS };

/** The line each command prints once its inputs are checked: which rule, and why. */
export function scalingLine(s: ResolvedPixelScaling): string {
  return `preprocess: ${s.rule} (${s.reason})`;
}

/** --preprocess in every command's help. */
export const PREPROCESS_HELP = `--preprocess P      pixel scaling: none | unit (x/255) | symmetric (x/127.5 − 1) | caffe (BGR
                      minus the ImageNet means) | torch (x/255, ImageNet mean and std) | auto
                      (default: the model family's rule, VGG19 → caffe; else none when a
                      Rescaling/Normalization layer is inside the model; else the file's
                      stieltjes_preprocessing attribute; else none, with a notice)`;

export const VGG19_CACHE_FILE = 'vgg19_weights_tf_dim_ordering_tf_kernels.h5';

export function kerasCacheDir(): string {
  return join(process.env.KERAS_HOME ?? join(homedir(), '.keras'), 'models');
}

/** The bundled digit model, found relative to this file in the source tree or the package. */
export function bundledDigitModel(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'assets', 'digits', 'digits-cnn.h5');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new CliError('the bundled digit model (assets/digits/digits-cnn.h5) is missing from this installation');
}

/** A model file read and checked, not yet on a backend: inputs are checked before a backend starts. */
export interface CliModelFile {
  path: string;
  /**
   * The model's structure, built without a backend of its own (on a CPU backend that shares the
   * file's arrays, nothing copied): its name, layer names and shapes, class count, input shape,
   * for checking flags that name layers or classes before a backend starts. Never run it.
   */
  structure: ReturnType<typeof modelFromKerasWeights>;
  /** The pixel scaling chosen (--preprocess) and why. */
  scaling: ResolvedPixelScaling;
  /** Puts the model on the backend (builds its layers, uploads the weights). */
  build(backend: Backend): ReturnType<typeof modelFromKerasWeights>;
}

/**
 * Reads the weights (and --config) and checks them, NaN and ±Inf included, before any backend
 * exists: a missing or damaged file is reported before a GPU is initialised (whose driver may
 * print warnings of its own).
 */
export async function readCliModel(weights: string | undefined, config: string | undefined, say: (line: string) => void, opts: { allowNonFinite?: boolean; preprocess?: PixelScalingChoice } = {}): Promise<CliModelFile> {
  // An empty --weights or --config (a shell variable that was not set) must not mean the default.
  if (weights === '') throw new CliError("--weights: expected a file, got ''", 2);
  if (config === '') throw new CliError("--config: expected a file, got ''", 2);
  let path = weights;
  if (!path) {
    const cached = join(kerasCacheDir(), VGG19_CACHE_FILE);
    if (existsSync(cached)) {
      path = cached;
      say(`weights: ${cached} (Keras cache, VGG19 ImageNet)`);
    } else {
      path = bundledDigitModel();
      say(`weights: bundled digit model ${path} (no ${VGG19_CACHE_FILE} in ${kerasCacheDir()}; get it with: stieltjes weights vgg19)`);
    }
  }
  const file = path;
  try {
    const { weights: w, preprocessingMarker } = await readKerasFile(file);
    const cfg = config ? await readModelConfigFile(config) : undefined;
    if (!opts.allowNonFinite) checkFiniteWeights(w, file);
    // The architecture is built here, so that a file it does not fit (a weights-only file that is
    // not VGG19 given without --config, a config that does not fit the weights) is an error
    // before any backend starts, and the commands can check --layer and --target against it.
    const structure = modelFromKerasWeights(w, { backend: new SharingCpuBackend(), config: cfg, source: file, allowNonFinite: true });
    if (structure.numClasses === 0) {
      const shape = structure.layerShape(structure.outputName);
      throw new Error(
        `${file}: model ${structure.name} outputs a [${shape.join(', ')}] feature map, not class scores (a file without its top, like Keras's _notop files); stieltjes explains an output unit: use the file with the top`,
      );
    }
    const scaling = applyPixelScaling(structure, opts.preprocess ?? 'auto', preprocessingMarker);
    const preprocessing = scaling.preprocessing;
    return {
      path: file,
      structure,
      scaling,
      build(backend) {
        try {
          // Checked above, once: the build need not look again.
          const model = modelFromKerasWeights(w, { backend, config: cfg, source: file, preprocessing, allowNonFinite: true });
          model.preprocessing = preprocessing;
          return model;
        } catch (e) {
          throw new CliError((e as Error).message);
        }
      },
    };
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}

/**
 * A CPU backend whose float32 uploads share the caller's array instead of copying it: the weights
 * of a model built only for its structure stay the file's own (VGG19's 548 MB are not copied).
 * Fit only for models that are never run: tensors are immutable by contract, and these alias.
 */
class SharingCpuBackend extends CpuBackend {
  override upload(values: TypedArray, dtype: DType): Storage {
    return dtype === 'float32' && values instanceof Float32Array ? values : super.upload(values, dtype);
  }

  override free(): void {}
}

/** The library's label where the classes are known, else 'class N' (for messages and JSON). */
export function classLabel(model: Pick<LayeredModel, 'name' | 'numClasses'>, index: number): { wnid?: string; label: string } {
  const known = knownClassLabel(model, index);
  return { ...known, label: known.label ?? `class ${index}` };
}
