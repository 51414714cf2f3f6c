/**
 * The Keras 3 `.weights.h5` layout (`saving_lib.py`): `layers/<class_snake>[_N]/vars/<i>`.
 * Groups are named by class, not by layer: `conv2d`, `conv2d_1`, ..., numbered per class in
 * model order. The layer name, when recorded, is attr `name` of the `vars` group.
 */
import type { Hdf5Group } from '../hdf5/index.js';
import { stringAttribute } from './attributes.js';
import { isKerasOperation } from '../keras-operations.js';
import { KerasFormatError } from './errors.js';
import { readWeight } from './read-weight.js';
import type { KerasLayerWeights } from './types.js';

/** Nested models put their layers under `layers/<model>/layers/...`; deeper is corruption. */
const MAX_NESTING = 16;

/** A top-level layer group, with the layers of a nested model it may contain. */
interface Keyed {
  readonly key: string;
  readonly layer: KerasLayerWeights;
  readonly nested: readonly KerasLayerWeights[];
}

/** Splits `conv2d_12` into (`conv2d`, 12) and `conv2d` into (`conv2d`, 0). */
function splitKey(key: string): [string, number] {
  const m = /^(.*)_(\d+)$/.exec(key);
  return m ? [m[1]!, Number(m[2])] : [key, 0];
}

/** Keras 3's per-class order: by class snake name, then by numeric suffix (not lexically). */
export function compareKeras3Keys(a: string, b: string): number {
  const [baseA, nA] = splitKey(a);
  const [baseB, nB] = splitKey(b);
  if (baseA !== baseB) return baseA < baseB ? -1 : 1;
  return nA - nB;
}

/** Keras' `to_snake_case` of a class name: `Conv2D` -> `conv2d`, `MaxPooling2D` -> `max_pooling2d`. */
export function kerasSnakeCase(className: string): string {
  const cleaned = className.replace(/\W+/g, '');
  return cleaned
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

function readVars(layerGroup: Hdf5Group, key: string): KerasLayerWeights {
  const vars = layerGroup.tryGet('vars');
  if (!vars) return { name: key, path: layerGroup.path, weights: [] };
  if (vars.kind !== 'group') throw new KerasFormatError(`"${vars.path}" should be a group`);
  const indices = vars.keys();
  for (const k of indices) {
    if (!/^\d+$/.test(k)) throw new KerasFormatError(`unexpected entry "${k}" in "${vars.path}" (expected 0, 1, ...)`);
  }
  indices.sort((a, b) => Number(a) - Number(b));
  const weights = indices.map((k) => {
    const obj = vars.get(k);
    if (obj.kind !== 'dataset') throw new KerasFormatError(`"${obj.path}" should be a dataset`);
    return readWeight(obj, k);
  });
  return { name: stringAttribute(vars, 'name') ?? key, path: layerGroup.path, weights };
}

function collect(layersGroup: Hdf5Group, depth: number): Keyed[] {
  if (depth > MAX_NESTING) throw new KerasFormatError(`"${layersGroup.path}" nests layers too deeply`);
  const keys = layersGroup.keys().sort(compareKeras3Keys);
  return keys.map((key) => {
    const g = layersGroup.get(key);
    if (g.kind !== 'group') throw new KerasFormatError(`"${g.path}" should be a layer group`);
    const inner = g.tryGet('layers');
    const nested = inner && inner.kind === 'group' ? collect(inner, depth + 1).flatMap(flatten) : [];
    return { key, layer: readVars(g, key), nested };
  });
}

const flatten = (k: Keyed): KerasLayerWeights[] => [k.layer, ...k.nested];

/** The layer list from a model config (Sequential or Functional), if it has one. */
function configLayers(modelConfig: unknown): { className: string; name: string | undefined }[] | undefined {
  const inner = (modelConfig as { config?: { layers?: unknown } } | undefined)?.config;
  const layers = inner?.layers;
  if (!Array.isArray(layers)) return undefined;
  // Operations (keras.src.ops.*: `x + 3.0` on Keras tensors) are not layers: Keras saves no group
  // for them and counts none of their classes.
  const layerEntries = layers.filter((l: unknown) => !isKerasOperation((l ?? {}) as { module?: unknown }));
  return layerEntries.map((l: unknown) => {
    const entry = l as { class_name?: unknown; config?: { name?: unknown } };
    return {
      className: typeof entry.class_name === 'string' ? entry.class_name : '',
      name: typeof entry.config?.name === 'string' ? entry.config.name : undefined,
    };
  });
}

/**
 * Layers of a Keras 3 weights file. With a model config (from a `.keras` archive), layers come
 * in model order with their class names, by recomputing the keys Keras assigned (class snake
 * name plus a per-class counter); without one, in Keras 3's per-class order.
 */
export function readKeras3Layers(root: Hdf5Group, modelConfig?: unknown): KerasLayerWeights[] {
  const layersObj = root.tryGet('layers');
  if (!layersObj || layersObj.kind !== 'group') throw new KerasFormatError('Keras 3 weights file has no "layers" group');
  // A nested model's layers follow their parent; only top-level keys are ordered by the config.
  const found = collect(layersObj, 0);
  const fromConfig = configLayers(modelConfig);
  if (!fromConfig) return found.flatMap(flatten);

  const counters = new Map<string, number>();
  const byKey = new Map(found.map((f) => [f.key, f]));
  const ordered: KerasLayerWeights[] = [];
  const used = new Set<Keyed>();
  for (const entry of fromConfig) {
    const snake = kerasSnakeCase(entry.className);
    const n = counters.get(snake) ?? 0;
    counters.set(snake, n + 1);
    const match = byKey.get(n === 0 ? snake : `${snake}_${n}`);
    if (!match || used.has(match)) continue;
    used.add(match);
    ordered.push({ ...match.layer, className: entry.className, name: entry.name ?? match.layer.name }, ...match.nested);
  }
  for (const f of found) if (!used.has(f)) ordered.push(...flatten(f));
  return ordered;
}
