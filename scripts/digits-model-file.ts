/**
 * Reading the bundled digit model back with the project's own pieces only: the HDF5 reader for
 * the file, the root `model_config` for the architecture, the `model_weights` groups (in
 * `layer_names` order, each layer's datasets in `weight_names` order) for the weights, and
 * buildFromKerasConfig to make a SequentialModel. The file's `stieltjes_preprocessing` marker
 * picks the preprocessing.
 */
import { Hdf5File, type Hdf5Attribute, type Hdf5Group } from '../src/models/hdf5/index.js';
import { buildFromKerasConfig } from '../src/models/keras-config.js';
import { unitScale, type Preprocessing } from '../src/models/preprocessing.js';
import type { SequentialModel } from '../src/models/sequential.js';
import type { WeightLayer } from '../src/models/weights-source.js';

export const DIGIT_MODEL_PATH = 'assets/digits/digits-cnn.h5';
/** Our root attribute naming the preprocessing, since Keras files do not record it. */
export const PREPROCESSING_ATTRIBUTE = 'stieltjes_preprocessing';

function stringList(attr: Hdf5Attribute | undefined, what: string): string[] {
  if (!attr) throw new Error(`${what}: attribute missing`);
  if (attr.isString) return attr.strings();
  // h5py writes an empty list as a float64 array of length 0.
  if (attr.size === 0) return [];
  throw new Error(`${what}: expected strings, found ${attr.size} numbers`);
}

function singleString(group: Hdf5Group, name: string, fileName: string): string {
  const values = stringList(group.attr(name), `${fileName}: root attribute ${name}`);
  if (values.length !== 1) throw new Error(`${fileName}: root attribute ${name} holds ${values.length} strings, expected 1`);
  return values[0]!;
}

/** The weighted-layer view of a Keras 2 full-model file's `model_weights` group. */
export function readModelWeights(file: Hdf5File, fileName: string): WeightLayer[] {
  const weightsRoot = file.root.group('model_weights');
  return stringList(weightsRoot.attr('layer_names'), `${fileName}: model_weights/layer_names`).map((layerName) => {
    const group = weightsRoot.group(layerName);
    const weightNames = stringList(group.attr('weight_names'), `${fileName}: ${group.path}/weight_names`);
    return {
      name: layerName,
      weights: weightNames.map((weightName) => {
        const dataset = group.dataset(weightName);
        return { name: weightName, shape: [...dataset.shape], data: dataset.readFloat32() };
      }),
    };
  });
}

export function preprocessingNamed(name: string, fileName: string): Preprocessing {
  if (name === 'unit-scale') return unitScale;
  throw new Error(`${fileName}: unknown ${PREPROCESSING_ATTRIBUTE} '${name}' (this loader knows 'unit-scale')`);
}

/** The digit model from the bytes of a Keras 2 full-model .h5 written by train-digits. */
export function loadDigitModel(bytes: Uint8Array, fileName = DIGIT_MODEL_PATH): SequentialModel {
  const file = Hdf5File.open(bytes, { name: fileName });
  const root = file.root;
  const config = JSON.parse(singleString(root, 'model_config', fileName)) as unknown;
  const preprocessing = preprocessingNamed(singleString(root, PREPROCESSING_ATTRIBUTE, fileName), fileName);
  const model = buildFromKerasConfig(config, readModelWeights(file, fileName), { preprocessing, name: 'digits-cnn' });
  model.source = fileName;
  return model;
}
