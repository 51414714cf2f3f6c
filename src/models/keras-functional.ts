/**
 * The wiring of a Keras functional model config: which layers each layer reads. Keras 1 and 2
 * write `inbound_nodes: [[["conv1", 0, 0, {}], …]]` (one list per call of the layer); Keras 3
 * writes `inbound_nodes: [{"args": [<tensor or list of tensors>], "kwargs": {}}]` where each
 * tensor is `{"class_name": "__keras_tensor__", "config": {"keras_history": [layer, node, index]}}`.
 * A Keras 3 operation node (`x + 3.0`: keras-operations.ts) has the same layout; its args mix tensors and numbers.
 */
import { isTensorRef } from './tf-op-layers.js';

export interface KerasWiring {
  /**
   * The nodes each call reads, in argument order (the InputLayer's name for the model input). A
   * layer's first call is named as the layer; a shared layer's later calls `<layer>@<k>`.
   */
  inputs: Map<string, string[]>;
  /** How many times each layer is called (more than 1: a shared layer). */
  calls: Map<string, number>;
  inputLayer: string;
  outputLayer: string;
}

/** True for a non-Sequential config whose layers carry `inbound_nodes` (functional models of every generation). */
export function isFunctionalConfig(config: unknown): boolean {
  // A Sequential's layers may carry inbound_nodes too (some Keras 3 versions); its order is its wiring.
  if ((config as { class_name?: unknown })?.class_name === 'Sequential') return false;
  const inner = (config as { config?: { layers?: unknown } })?.config;
  const layers = inner?.layers;
  return Array.isArray(layers) && layers.some((l) => Array.isArray((l as { inbound_nodes?: unknown })?.inbound_nodes));
}

/** The name a layer entry goes by (Keras 2 and 3 repeat it beside its config). */
export function layerEntryName(entry: { name?: unknown; config?: { name?: unknown } }, index: number): string {
  const n = entry.name ?? entry.config?.name;
  if (typeof n !== 'string' || n === '') throw new Error(`model config: layer ${index} has no name`);
  return n;
}

export function kerasWiring(config: unknown): KerasWiring {
  const inner = (config as { config?: Record<string, unknown> }).config ?? {};
  const layers = inner.layers as { name?: unknown; class_name?: unknown; config?: { name?: unknown }; inbound_nodes?: unknown }[];
  const inputs = new Map<string, string[]>();
  const calls = new Map<string, number>();
  const model = typeof inner.name === 'string' ? inner.name : 'model';
  const inputLayers = endpoints(inner.input_layers, 'input_layers');
  const outputLayers = endpoints(inner.output_layers, 'output_layers');
  if (inputLayers.length !== 1) {
    throw new Error(
      `model ${model}: ${inputLayers.length} inputs (${inputLayers.map(nodeName).join(', ')}); stieltjes explains models with one image input (save a one-input model in Keras, e.g. keras.Model(m.inputs[0], m.output), if the others can be fixed)`,
    );
  }
  if (outputLayers.length !== 1) {
    throw new Error(
      `model ${model}: ${outputLayers.length} outputs (${outputLayers.map(nodeName).join(', ')}); stieltjes explains one output (save the one to explain in Keras: keras.Model(m.input, m.outputs[i]))`,
    );
  }
  layers.forEach((entry, i) => {
    const name = layerEntryName(entry, i);
    const nodes = (entry.inbound_nodes ?? []) as unknown[];
    if (!Array.isArray(nodes)) throw new Error(`model config: layer ${name} has inbound_nodes that are not a list`);
    calls.set(name, Math.max(nodes.length, 1));
    if (nodes.length === 0) inputs.set(name, []);
    const opLambda = entry.class_name === 'TFOpLambda';
    nodes.forEach((node, k) => inputs.set(callName(name, k), nodeInputs(name, node, opLambda)));
  });
  return { inputs, calls, inputLayer: nodeName(inputLayers[0]!), outputLayer: nodeName(outputLayers[0]!) };
}

/** The graph node of a layer's k-th call: the layer's own name for its first, `<layer>@<k>` after. */
export function callName(layer: string, k: number): string {
  return k === 0 ? layer : `${layer}@${k}`;
}

function nodeName(e: readonly [string, number]): string {
  return callName(e[0], e[1]);
}

/** The layer names one call reads, in order. */
function nodeInputs(layer: string, node: unknown, opLambda = false): string[] {
  if (Array.isArray(node)) {
    // Keras 1/2: a list of [name, node_index, tensor_index, kwargs?]. tf.keras 2's TFOpLambda keeps
    // its first argument's structure: one tensor's node is the reference itself, and tensors among
    // its other arguments are references [name, node_index, tensor_index] in the kwargs (read after).
    const refs = opLambda && typeof node[0] === 'string' ? [node] : node;
    const out = refs.map((ref) => {
      if (!Array.isArray(ref) || typeof ref[0] !== 'string') throw new Error(`model config: layer ${layer} has an inbound node ${JSON.stringify(ref)} that names no layer`);
      checkFirstOutput(layer, ref[0], ref[2]);
      return callName(ref[0], nodeIndex(ref[1]));
    });
    if (opLambda) {
      for (const ref of refs as unknown[][]) {
        const kwargs = ref[3];
        if (!kwargs || typeof kwargs !== 'object') continue;
        for (const v of Object.values(kwargs)) {
          if (isTensorRef(v)) {
            checkFirstOutput(layer, v[0], v[2]);
            out.push(callName(v[0], nodeIndex(v[1])));
          }
        }
      }
    }
    return out;
  }
  const args = (node as { args?: unknown })?.args;
  if (!Array.isArray(args)) throw new Error(`model config: layer ${layer} has an inbound node with neither a list nor 'args'`);
  const out: string[] = [];
  collectTensors(layer, args, out);
  return out;
}

/** Keras 3: every `__keras_tensor__` in the call's arguments, depth first (a merge's list is args[0]). */
function collectTensors(layer: string, v: unknown, out: string[]): void {
  if (Array.isArray(v)) {
    for (const x of v) collectTensors(layer, x, out);
    return;
  }
  const t = v as { class_name?: unknown; config?: { keras_history?: unknown } } | null;
  if (t && t.class_name === '__keras_tensor__') {
    const h = t.config?.keras_history;
    if (!Array.isArray(h) || typeof h[0] !== 'string') throw new Error(`model config: layer ${layer} reads a tensor without keras_history`);
    checkFirstOutput(layer, h[0], h[2]);
    out.push(callName(h[0], nodeIndex(h[1])));
  }
}

function checkFirstOutput(layer: string, from: string, tensorIndex: unknown): void {
  if (tensorIndex !== undefined && tensorIndex !== 0) throw new Error(`layer ${layer}: reads output ${String(tensorIndex)} of ${from}; layers with several outputs are not supported`);
}

function nodeIndex(v: unknown): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : 0;
}

/** `[["name", 0, 0], …]`, or Keras 3's single `["name", 0, 0]`: each as [layer, node index]. */
function endpoints(v: unknown, what: string): [string, number][] {
  if (!Array.isArray(v)) throw new Error(`model config: no ${what}`);
  if (typeof v[0] === 'string') return [[v[0], nodeIndex(v[1])]];
  return v.map((e) => {
    if (!Array.isArray(e) || typeof e[0] !== 'string') throw new Error(`model config: ${what} entry ${JSON.stringify(e)} names no layer`);
    return [e[0], nodeIndex(e[1])];
  });
}
