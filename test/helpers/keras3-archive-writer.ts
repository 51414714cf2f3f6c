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
import { crc32 } from '../../src/models/keras/crc32.js';

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

/** A ZIP of stored entries (method 0), as Python's zipfile writes with ZIP_STORED. */
export function storedZip(entries: readonly { name: string; data: Uint8Array }[]): Uint8Array {
  const enc = new TextEncoder();
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = enc.encode(e.name);
    const crc = crc32(e.data);
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(12, 0x21, true); // 1980-01-01
    lv.setUint32(14, crc, true);
    lv.setUint32(18, e.data.length, true);
    lv.setUint32(22, e.data.length, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const central = new Uint8Array(46 + name.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(14, 0x21, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, e.data.length, true);
    cv.setUint32(24, e.data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    central.set(name, 46);
    locals.push(local, e.data);
    centrals.push(central);
    offset += local.length + e.data.length;
  }
  const cdSize = centrals.reduce((n, c) => n + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const out = new Uint8Array(offset + cdSize + 22);
  let p = 0;
  for (const part of [...locals, ...centrals, end]) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}

export async function writeKeras3Archive(config: object, modelName: string, layers: readonly Keras3LayerVars[], kerasVersion = '3.3.3'): Promise<Uint8Array> {
  const enc = new TextEncoder();
  return storedZip([
    { name: 'metadata.json', data: enc.encode(JSON.stringify({ keras_version: kerasVersion, date_saved: '2024-06-01@00:00:00' })) },
    { name: 'config.json', data: enc.encode(JSON.stringify(config)) },
    { name: 'model.weights.h5', data: await keras3WeightsH5(modelName, layers) },
  ]);
}
