/**
 * Which model a command uses: --weights FILE, else the Keras cache VGG19 file, else the bundled
 * digit model, saying which. Also class labels for messages and JSON.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend } from '../kernels/backend.js';
import { classLabel as knownClassLabel } from '../models/class-label.js';
import { loadModelFile } from '../models/load-model-file.js';
import type { SequentialModel } from '../models/sequential.js';
import { CliError } from './errors.js';

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

export async function loadCliModel(weights: string | undefined, config: string | undefined, backend: Backend, say: (line: string) => void): Promise<SequentialModel> {
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
  try {
    return await loadModelFile(path, { backend, configPath: config });
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}

/** The library's label where the classes are known, else 'class N' (for messages and JSON). */
export function classLabel(model: SequentialModel, index: number): { wnid?: string; label: string } {
  const known = knownClassLabel(model, index);
  return { ...known, label: known.label ?? `class ${index}` };
}
