/**
 * Nested models (a Sequential or Functional used as a layer, as transfer-learning heads and
 * preprocessing wrappers do) are inlined: the parent becomes one graph whose layers include the
 * nested model's own, so Grad-CAM can name any of them. The nested model's input is wired to
 * what the parent fed it, and what read the nested model reads its output layer instead.
 *
 * Weights: a Keras 2 file keeps a nested model's weights in one layer group, listed trainable
 * first and non-trainable after (a batch norm's moving statistics come after every kernel), with
 * names `<inner layer>/<weight>`; they are split back per inner layer by that name.
 */
import type { WeightLayer } from './weights-source.js';

interface Entry {
  class_name: string;
  config: Record<string, unknown>;
  name?: string;
  inbound_nodes?: unknown;
}

const MODEL_CLASSES = new Set(['Functional', 'Sequential', 'Model']);

function entryName(e: Entry): string {
  return String(e.name ?? e.config.name);
}

function layersOf(config: Entry): Entry[] {
  const inner = config.config as unknown;
  return (Array.isArray(inner) ? inner : ((inner as { layers?: Entry[] }).layers ?? [])) as Entry[];
}

export function isNestedModel(e: { class_name?: unknown; config?: unknown }): boolean {
  const c = e.config as { layers?: unknown } | unknown[] | undefined;
  return MODEL_CLASSES.has(String(e.class_name)) && (Array.isArray(c) || Array.isArray((c as { layers?: unknown } | undefined)?.layers));
}

/** True when any layer of the config is itself a model. */
export function hasNestedModels(config: unknown): boolean {
  return layersOf(config as Entry).some(isNestedModel);
}

/** A Sequential config as the equivalent functional one (a chain with an explicit input). */
function asFunctional(config: Entry): Entry {
  if (config.class_name !== 'Sequential') return config;
  const layers = layersOf(config);
  const name = String((config.config as { name?: unknown }).name ?? 'sequential');
  const first = layers[0];
  const out: Entry[] = [];
  let prev: string;
  if (first?.class_name === 'InputLayer') {
    prev = entryName(first);
    out.push({ ...first, name: prev, inbound_nodes: [] });
  } else {
    const shape = first?.config.batch_input_shape ?? first?.config.batch_shape;
    prev = `${name}_input`;
    out.push({ class_name: 'InputLayer', config: { name: prev, batch_input_shape: shape }, name: prev, inbound_nodes: [] });
  }
  const inputName = prev;
  for (const l of layers.slice(first?.class_name === 'InputLayer' ? 1 : 0)) {
    const n = entryName(l);
    out.push({ ...l, name: n, inbound_nodes: [[[prev, 0, 0, {}]]] });
    prev = n;
  }
  return { class_name: 'Functional', config: { name, layers: out, input_layers: [[inputName, 0, 0]], output_layers: [[prev, 0, 0]] } };
}

/** Renames every layer reference in one entry's inbound nodes (Keras 1/2 lists and Keras 3 tensors). */
function rewire(node: unknown, rename: (n: string) => string): unknown {
  if (Array.isArray(node)) {
    // [layer, node, tensor, kwargs?]; a TFOpLambda's kwargs may hold tensor references too.
    if (typeof node[0] === 'string' && typeof node[1] === 'number') return [rename(node[0]), ...node.slice(1, 3), ...node.slice(3).map((x) => rewire(x, rename))];
    return node.map((x) => rewire(x, rename));
  }
  if (node && typeof node === 'object') {
    const t = node as { class_name?: unknown; config?: { keras_history?: unknown[] } };
    if (t.class_name === '__keras_tensor__' && Array.isArray(t.config?.keras_history)) {
      const h = t.config.keras_history;
      return { ...t, config: { ...t.config, keras_history: [rename(String(h[0])), ...h.slice(1)] } };
    }
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, rewire(v, rename)]));
  }
  return node;
}

/** The layer a nested model is called on (its first input; nested models have one). */
function firstSource(e: Entry): string {
  const found: string[] = [];
  rewire((e.inbound_nodes as unknown[] | undefined)?.[0], (n) => (found.push(n), n));
  if (found.length !== 1) throw new Error(`layer ${entryName(e)}: a nested model called on ${found.length} inputs is not supported (one image input)`);
  return found[0]!;
}

function endpoint(v: unknown): string {
  const a = v as unknown[];
  return String(typeof a[0] === 'string' ? a[0] : (a[0] as unknown[])[0]);
}

/**
 * The config with nested models inlined (recursively), and the weight layers with each nested
 * model's group split per inner layer.
 */
export function inlineNestedModels(config: unknown, weightLayers: readonly WeightLayer[]): { config: unknown; weightLayers: WeightLayer[] } {
  const root = asFunctional(config as Entry);
  const inner = root.config as { layers: Entry[]; input_layers: unknown; output_layers: unknown };
  const outputs = new Map<string, string>(); // nested model name → its output layer
  const layers: Entry[] = [];
  let weights = [...weightLayers];
  for (const e of inner.layers) {
    if (!isNestedModel(e)) {
      layers.push(e);
      continue;
    }
    const name = entryName(e);
    const group = weights.find((w) => w.name === name);
    const split = group ? splitNestedWeights(group) : [];
    const nested = inlineNestedModels(e, split);
    const n = nested.config as Entry;
    const nc = n.config as { layers: Entry[]; input_layers: unknown; output_layers: unknown };
    const nestedInput = endpoint(nc.input_layers);
    const source = firstSource(e);
    for (const l of nc.layers) {
      if (entryName(l) === nestedInput) continue;
      layers.push({ ...l, inbound_nodes: rewire(l.inbound_nodes, (s) => (s === nestedInput ? source : s)) });
    }
    outputs.set(name, endpoint(nc.output_layers));
    weights = weights.flatMap((w) => (w === group ? nested.weightLayers : [w]));
  }
  const rename = (s: string): string => outputs.get(s) ?? s;
  const rewired = layers.map((l) => ({ ...l, inbound_nodes: rewire(l.inbound_nodes, rename) }));
  const output = rewire(inner.output_layers, rename);
  return { config: { ...root, config: { ...inner, layers: rewired, output_layers: output } }, weightLayers: weights };
}

/** A nested model's weights, one WeightLayer per inner layer, in the order they first appear. */
export function splitNestedWeights(group: WeightLayer): WeightLayer[] {
  const byLayer = new Map<string, WeightLayer['weights'][number][]>();
  for (const w of group.weights) {
    const parts = w.name.split('/');
    if (parts.length < 2) throw new Error(`layer ${group.name}: nested model weight '${w.name}' does not name its layer (expected <layer>/<weight>)`);
    const layer = parts[parts.length - 2]!;
    const list = byLayer.get(layer) ?? [];
    list.push(w);
    byLayer.set(layer, list);
  }
  return [...byLayer].map(([name, weights]) => ({ name, weights }));
}
