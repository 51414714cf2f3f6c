/**
 * Writes Keras 2's weights-only HDF5 layout (what `model.save_weights('w.h5')` wrote in tf.keras
 * 2.x), with h5wasm — a dev-only tool, as scripts/keras-h5-writer.ts is for full models:
 *
 *   /                          attrs layer_names, backend, keras_version (no model_config)
 *   /<layer>                   attr weight_names ("<layer>/kernel:0", …), empty for weightless layers
 *   /<layer>/<layer>/kernel:0  float32 datasets
 *
 * With a model config, the full-model layout instead (the same under /model_weights, the config
 * on the root). Layer names with a slash become nested groups, as h5py writes them. Written under
 * a temporary name and renamed.
 */
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import h5wasm from 'h5wasm/node';
import { writeWeightNames, type KerasLayerToWrite } from './keras-h5-writer.js';

export async function writeKerasWeightsH5(path: string, layers: readonly KerasLayerToWrite[], kerasVersion = '2.13.1', modelConfig?: object): Promise<void> {
  await h5wasm.ready;
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const file = new h5wasm.File(tmp, 'w');
  try {
    file.create_attribute('backend', 'tensorflow');
    file.create_attribute('keras_version', kerasVersion);
    // A full model (model.save): the config on the root, the weights under /model_weights.
    let root: H5Group = file as unknown as H5Group;
    if (modelConfig) {
      file.create_attribute('model_config', JSON.stringify(modelConfig));
      root = file.create_group('model_weights');
      root.create_attribute('backend', 'tensorflow');
      root.create_attribute('keras_version', kerasVersion);
    }
    root.create_attribute('layer_names', layers.map((l) => l.name));
    for (const layer of layers) {
      // Names with a slash (DenseNet's conv1/conv) are nested groups, as h5py makes them.
      const group = nested(root, layer.name);
      // A weight named with a slash is already Keras's full name: a nested model's group holds
      // `<inner layer>/<weight>` (ConvNeXt's stem), without the outer layer's name.
      const full = layer.weights.map((w) => (w.name.includes('/') ? w.name : `${layer.name}/${w.name}`));
      writeWeightNames(group, full);
      layer.weights.forEach((w, i) => {
        const path = full[i]!;
        nested(group, path.slice(0, path.lastIndexOf('/'))).create_dataset({ name: path.slice(path.lastIndexOf('/') + 1), data: w.data, shape: [...w.shape], dtype: '<f' });
      });
    }
    if (modelConfig) writeWeightNames(root.create_group('top_level_model_weights'), []);
  } catch (e) {
    file.close();
    rmSync(tmp, { force: true });
    throw e;
  }
  file.close();
  renameSync(tmp, path);
}

type H5Group = ReturnType<InstanceType<typeof h5wasm.File>['create_group']>;

function nested(parent: H5Group, path: string): H5Group {
  let g = parent;
  for (const seg of path.split('/')) {
    const existing = g.get(seg);
    g = existing instanceof h5wasm.Group ? (existing as H5Group) : g.create_group(seg);
  }
  return g;
}

/** Keras 2's full-model layout (model.save('m.h5')), with layer names that may hold a slash. */
export async function writeKerasModelH5Nested(path: string, modelConfig: object, layers: readonly KerasLayerToWrite[], kerasVersion = '2.13.1'): Promise<void> {
  await writeKerasWeightsH5(path, layers, kerasVersion, modelConfig);
}
