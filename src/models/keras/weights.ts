/**
 * `readKerasWeights`: one entry point for every Keras HDF5 weight layout. It recognises the
 * writer from the file's structure, then hands over to the layout reader.
 */
import { Hdf5File, type Hdf5Group, type Hdf5Source } from '../hdf5/index.js';
import { stringAttribute } from './attributes.js';
import { KerasFormatError } from './errors.js';
import { readKeras3Layers } from './keras3-layout.js';
import { readLegacyLayers } from './legacy-layout.js';
import { detectKernelConvention } from './theano.js';
import type { KerasGeneration, KerasWeights } from './types.js';

export interface ReadKerasWeightsOptions {
  /** Name for error messages (a file path). */
  readonly name?: string;
  /** A model config to order Keras 3 layers by (what `.keras` archives provide). */
  readonly modelConfig?: unknown;
  /** Keras version to report when the HDF5 file does not record one (`.keras` metadata). */
  readonly kerasVersion?: string;
}

function parseModelConfig(root: Hdf5Group, sourceName: string): unknown {
  const text = stringAttribute(root, 'model_config');
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new KerasFormatError(`${sourceName}: root attribute "model_config" is not valid JSON`, { cause });
  }
}

function hasListAttribute(group: Hdf5Group, name: string): boolean {
  return group.attr(name) !== undefined || group.attr(`${name}0`) !== undefined;
}

/** Class names from a Keras 2 model config, by layer name (Sequential or Functional). */
function classNamesFromConfig(modelConfig: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const config = (modelConfig as { config?: unknown } | undefined)?.config;
  // Keras 1 Sequential configs are a bare list; later ones put the list under "layers".
  const list = Array.isArray(config) ? config : (config as { layers?: unknown } | undefined)?.layers;
  if (!Array.isArray(list)) return out;
  for (const entry of list as { class_name?: unknown; config?: { name?: unknown }; name?: unknown }[]) {
    const name = typeof entry?.config?.name === 'string' ? entry.config.name : entry?.name;
    if (typeof name === 'string' && typeof entry.class_name === 'string') out.set(name, entry.class_name);
  }
  return out;
}

/**
 * Reads the weights of a Keras HDF5 file (Keras 1, Keras 1 Theano, Keras 2 weights or full
 * model, Keras 3 `.weights.h5`). For `.keras` zips use `readKerasArchive`.
 * @throws Hdf5Error for a corrupt or unsupported HDF5 file; KerasFormatError for a valid HDF5
 *   file that does not hold Keras weights as expected (both name the file and object at fault).
 */
export function readKerasWeights(source: Hdf5Source | Hdf5File, options: ReadKerasWeightsOptions = {}): KerasWeights {
  const file = source instanceof Hdf5File ? source : Hdf5File.open(source, options.name === undefined ? {} : { name: options.name });
  try {
    return readFrom(file, options);
  } catch (e) {
    // The layout readers name the object at fault; the file is named once, here.
    if (e instanceof KerasFormatError && !e.message.startsWith(`${file.name}: `)) {
      throw new KerasFormatError(`${file.name}: ${e.message}`, { cause: e });
    }
    throw e;
  }
}

function readFrom(file: Hdf5File, options: ReadKerasWeightsOptions): KerasWeights {
  const root = file.root;
  const sourceName = file.name;
  const withMeta = (w: KerasWeights, from: Hdf5Group): KerasWeights => {
    const backend = w.backend ?? stringAttribute(root, 'backend') ?? stringAttribute(from, 'backend');
    const kerasVersion = stringAttribute(root, 'keras_version') ?? stringAttribute(from, 'keras_version') ?? options.kerasVersion;
    return {
      ...w,
      ...(backend === undefined ? {} : { backend }),
      ...(kerasVersion === undefined ? {} : { kerasVersion }),
    };
  };

  const modelWeights = root.tryGet('model_weights');
  if (modelWeights && modelWeights.kind === 'group' && hasListAttribute(modelWeights, 'layer_names')) {
    const modelConfig = parseModelConfig(root, sourceName);
    const classes = classNamesFromConfig(modelConfig);
    const layers = readLegacyLayers(modelWeights).map((l) => {
      const className = classes.get(l.name);
      return className === undefined ? l : { ...l, className };
    });
    return withMeta({ generation: 'keras2-model', ...(modelConfig === undefined ? {} : { modelConfig }), layers }, modelWeights);
  }

  if (hasListAttribute(root, 'layer_names')) {
    const layers = readLegacyLayers(root);
    const version = stringAttribute(root, 'keras_version');
    let backend = stringAttribute(root, 'backend');
    const nested = layers.some((l) => l.weights.some((w) => w.name.includes('/')));
    const keras1 = version === undefined ? !nested : version.startsWith('1');
    let generation: KerasGeneration = keras1 ? 'keras1' : 'keras2';
    if (keras1) {
      const convention = backend === 'theano' ? 'theano' : backend === undefined ? detectKernelConvention(layers) : 'tensorflow';
      if (convention === 'theano') {
        generation = 'keras1-theano';
        backend ??= 'theano';
      }
    }
    return withMeta({ generation, ...(backend === undefined ? {} : { backend }), layers }, root);
  }

  if (root.tryGet('layers')?.kind === 'group') {
    const layers = readKeras3Layers(root, options.modelConfig);
    return withMeta({ generation: 'keras3', ...(options.modelConfig === undefined ? {} : { modelConfig: options.modelConfig }), layers }, root);
  }

  throw new KerasFormatError(
    `${sourceName}: not a Keras weight file (no "layer_names" attribute, no "model_weights" group, no "layers" group)`,
  );
}
