/**
 * Writes Keras 2's weights-only HDF5 layout (what `model.save_weights('w.h5')` wrote in tf.keras
 * 2.x), with h5wasm — a dev-only tool, as scripts/keras-h5-writer.ts is for full models:
 *
 *   /                          attrs layer_names, backend, keras_version (no model_config)
 *   /<layer>                   attr weight_names ("<layer>/kernel:0", …), empty for weightless layers
 *   /<layer>/<layer>/kernel:0  float32 datasets
 *
 * Written under a temporary name and renamed.
 */
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import h5wasm from 'h5wasm/node';
import type { KerasLayerToWrite } from './keras-h5-writer.js';

export async function writeKerasWeightsH5(path: string, layers: readonly KerasLayerToWrite[], kerasVersion = '2.13.1'): Promise<void> {
  await h5wasm.ready;
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const file = new h5wasm.File(tmp, 'w');
  try {
    file.create_attribute('backend', 'tensorflow');
    file.create_attribute('keras_version', kerasVersion);
    file.create_attribute('layer_names', layers.map((l) => l.name));
    for (const layer of layers) {
      const group = file.create_group(layer.name);
      const names = layer.weights.map((w) => `${layer.name}/${w.name}`);
      if (names.length > 0) group.create_attribute('weight_names', names);
      else group.create_attribute('weight_names', new Float64Array(0), [0], '<d');
      if (layer.weights.length === 0) continue;
      const inner = group.create_group(layer.name);
      for (const w of layer.weights) inner.create_dataset({ name: w.name, data: w.data, shape: [...w.shape], dtype: '<f' });
    }
  } catch (e) {
    file.close();
    rmSync(tmp, { force: true });
    throw e;
  }
  file.close();
  renameSync(tmp, path);
}
