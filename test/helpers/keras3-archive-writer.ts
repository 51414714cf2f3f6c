/**
 * Writes a Keras 3 `.keras` archive for tests: `model.weights.h5` in Keras 3's layout (groups
 * `layers/<class_snake>[_N]/vars` holding datasets `0`, `1`, … and the layer name in attribute
 * `name`, as Keras 3.3+ writes them), `config.json` and `metadata.json`, in a stored (not
 * compressed) ZIP. The weights go through h5wasm and a temporary file, as h5wasm writes files.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import { writeZip } from '../../app/zip-write.js';

export interface Keras3LayerVars {
  /** The group key: class name in snake case plus Keras's per-class counter (`conv2d_1`). */
  key: string;
  name: string;
  vars: readonly { shape: readonly number[]; data: Float32Array }[];
  /** A nested model's layers (`<key>/layers/<inner key>/vars`), keyed by their own per-model counters. */
  nested?: readonly Keras3LayerVars[];
}

type H5Group = ReturnType<InstanceType<typeof h5wasm.File>['create_group']>;

function writeLayerGroups(parent: H5Group, layers: readonly Keras3LayerVars[]): void {
  for (const l of layers) {
    // h5wasm creates one level at a time.
    const lg = parent.create_group(l.key);
    const g = lg.create_group('vars');
    g.create_attribute('name', l.name);
    l.vars.forEach((v, i) => g.create_dataset({ name: String(i), data: v.data, shape: [...v.shape], dtype: '<f' }));
    if (l.nested) writeLayerGroups(lg.create_group('layers'), l.nested);
  }
}

export async function keras3WeightsH5(modelName: string, layers: readonly Keras3LayerVars[]): Promise<Uint8Array> {
  await h5wasm.ready;
  const dir = mkdtempSync(join(tmpdir(), 'stieltjes-k3-'));
  const path = join(dir, 'model.weights.h5');
  try {
    const f = new h5wasm.File(path, 'w');
    f.create_group('vars').create_attribute('name', modelName);
    writeLayerGroups(f.create_group('layers'), layers);
    f.close();
    return Uint8Array.from(readFileSync(path));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}


export async function writeKeras3Archive(config: object, modelName: string, layers: readonly Keras3LayerVars[], kerasVersion = '3.3.3'): Promise<Uint8Array> {
  const enc = new TextEncoder();
  // Stored entries (method 0), as Keras's zipfile writes .keras archives; the page's writer does that.
  return writeZip([
    { name: 'metadata.json', data: enc.encode(JSON.stringify({ keras_version: kerasVersion, date_saved: '2024-06-01@00:00:00' })) },
    { name: 'config.json', data: enc.encode(JSON.stringify(config)) },
    { name: 'model.weights.h5', data: await keras3WeightsH5(modelName, layers) },
  ]);
}
