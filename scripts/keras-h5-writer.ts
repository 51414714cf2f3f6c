/**
 * Writes a Sequential model as Keras 2's full-model HDF5 layout (what `model.save('m.h5')` wrote
 * in tf.keras 2.13), using h5wasm — a dev-only tool: the project reads the file with its own
 * reader. Layout, as in a real Keras 2.13.1 file:
 *
 *   /                         attrs model_config (JSON), backend, keras_version (+ ours: stieltjes_*)
 *   /model_weights            attrs layer_names, backend, keras_version
 *   /model_weights/<layer>    attr weight_names ("<layer>/kernel:0", "<layer>/bias:0"), empty for
 *                             layers without weights (a float64 array of length 0, as h5py writes [])
 *   /model_weights/<layer>/<layer>/kernel:0, bias:0   float32 datasets
 *
 * Strings are variable-length, as h5py 3 writes them. The file is written under a temporary name
 * and renamed, so an interrupted run never leaves a half-written model at the final path.
 */
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import h5wasm from 'h5wasm/node';

export interface KerasWeight {
  /** "kernel:0" or "bias:0". */
  name: string;
  shape: readonly number[];
  data: Float32Array;
}

export interface KerasLayerToWrite {
  name: string;
  weights: readonly KerasWeight[];
}

export interface KerasModelFile {
  /** The Keras model config (a Sequential), stored as JSON. */
  modelConfig: object;
  /** Every layer except the InputLayer, in order, with its weights (possibly none). */
  layers: readonly KerasLayerToWrite[];
  /** Extra string attributes on the root (our own markers, e.g. the preprocessing). */
  extraRootAttributes?: Readonly<Record<string, string>>;
  kerasVersion?: string;
}

export async function writeKerasModelH5(path: string, model: KerasModelFile): Promise<void> {
  await h5wasm.ready;
  const keras = model.kerasVersion ?? '2.13.1';
  const names = new Set<string>();
  for (const l of model.layers) {
    if (!l.name || l.name.includes('/')) throw new Error(`writeKerasModelH5: layer name '${l.name}' cannot be an HDF5 group name`);
    if (names.has(l.name)) throw new Error(`writeKerasModelH5: two layers are named ${l.name}`);
    names.add(l.name);
    for (const w of l.weights) {
      const size = w.shape.reduce((a, b) => a * b, 1);
      if (size !== w.data.length) {
        throw new Error(`writeKerasModelH5: layer ${l.name} weight ${w.name} has ${w.data.length} values for shape [${w.shape.join(', ')}]`);
      }
    }
  }

  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const file = new h5wasm.File(tmp, 'w');
  try {
    file.create_attribute('backend', 'tensorflow');
    file.create_attribute('keras_version', keras);
    file.create_attribute('model_config', JSON.stringify(model.modelConfig));
    for (const [k, v] of Object.entries(model.extraRootAttributes ?? {})) file.create_attribute(k, v);

    const root = file.create_group('model_weights');
    root.create_attribute('backend', 'tensorflow');
    root.create_attribute('keras_version', keras);
    root.create_attribute('layer_names', model.layers.map((l) => l.name));
    for (const layer of model.layers) {
      const group = root.create_group(layer.name);
      writeWeightNames(group, layer.weights.map((w) => `${layer.name}/${w.name}`));
      if (layer.weights.length === 0) continue;
      const inner = group.create_group(layer.name);
      for (const w of layer.weights) {
        inner.create_dataset({ name: w.name, data: w.data, shape: [...w.shape], dtype: '<f' });
      }
    }
    // Keras 2.13 also writes this (weights of the model object itself; none for a Sequential).
    writeWeightNames(root.create_group('top_level_model_weights'), []);
  } catch (e) {
    file.close();
    rmSync(tmp, { force: true });
    throw e;
  }
  file.close();
  renameSync(tmp, path);
}

type H5Group = ReturnType<InstanceType<typeof h5wasm.File>['create_group']>;

/** A layer group's weight_names attribute (an empty float64 array where it has none, as h5py writes it). */
export function writeWeightNames(group: H5Group, names: string[]): void {
  if (names.length > 0) group.create_attribute('weight_names', names);
  else group.create_attribute('weight_names', new Float64Array(0), [0], '<d');
}
