/**
 * Keras 1 and Keras 2 layouts (the `layer_names` / `weight_names` scheme written by the legacy
 * `hdf5_format.py`): layers in `layer_names` order, each layer's weights in `weight_names`
 * order, the names being paths relative to the layer's group.
 */
import type { Hdf5Group } from '../hdf5/index.js';
import { stringListAttribute } from './attributes.js';
import { KerasFormatError } from './errors.js';
import { readWeight } from './read-weight.js';
import type { KerasLayerWeights } from './types.js';

/** The layers under `weightRoot` (the file root, or `model_weights` of a full-model file). */
export function readLegacyLayers(weightRoot: Hdf5Group): KerasLayerWeights[] {
  const layerNames = stringListAttribute(weightRoot, 'layer_names');
  if (layerNames === undefined) {
    throw new KerasFormatError(`"${weightRoot.path}" has no "layer_names" attribute`);
  }
  const seen = new Set<string>();
  return layerNames.map((layerName) => {
    if (seen.has(layerName)) throw new KerasFormatError(`layer "${layerName}" is listed twice in "layer_names"`);
    seen.add(layerName);
    // Keras 2 names some layers with a slash (DenseNet's 'conv1/conv'): h5py stores them as nested
    // groups. Only plain relative paths: no empty, '.' or '..' segment.
    const obj = layerName.split('/').some((seg) => seg === '' || seg === '.' || seg === '..') ? undefined : weightRoot.tryGet(layerName);
    if (!obj || obj.kind !== 'group') {
      throw new KerasFormatError(`layer "${layerName}" is listed in "layer_names" but "${weightRoot.path}" has no group of that name`);
    }
    const weightNames = stringListAttribute(obj, 'weight_names');
    if (weightNames === undefined) {
      throw new KerasFormatError(`layer group "${obj.path}" has no "weight_names" attribute`);
    }
    const weights = weightNames.map((weightName) => {
      const dataset = obj.tryGet(weightName);
      if (!dataset || dataset.kind !== 'dataset') {
        throw new KerasFormatError(`weight "${weightName}" of layer "${layerName}" is not a dataset in "${obj.path}"`);
      }
      return readWeight(dataset, weightName);
    });
    return { name: layerName, path: obj.path, weights };
  });
}
