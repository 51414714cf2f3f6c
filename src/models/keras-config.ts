/**
 * Builds a model from a Keras model configuration (the JSON of `model.to_json()`, or the
 * `model_config` attribute of a full-model .h5) and the file's weighted layers: a
 * SequentialModel for Sequential configs, a GraphModel for functional ones (Keras 1 `Model`,
 * Keras 2 `Functional`, Keras 3). Theano-ordered models are converted to NHWC: kernels un-flipped
 * and transposed to HWIO, the input read as [H, W, C], and Flatten kept in (c, h, w) order so
 * dense weights still fit.
 */
import type { Backend } from '../kernels/backend.js';
import type { DType } from '../tensor/dtype.js';
import { fromArray } from '../tensor/creation.js';
import { getBackend } from '../tensor/engine.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { GraphModel, type GraphLayer } from './graph-model.js';
import { callName, isFunctionalConfig, kerasWiring, layerEntryName } from './keras-functional.js';
import { sharedCall } from './shared-call.js';
import { recogniseFamily } from './applications/index.js';
import { hasNestedModels, inlineNestedModels } from './keras-nested.js';
import { buildKerasLayer, type KerasLayerContext } from './keras-layer.js';
import { buildKerasOperation, isKerasOperation } from './keras-operations.js';
import type { Layer } from './layers.js';
import { noPreprocessing, type Preprocessing } from './preprocessing.js';
import { SequentialModel } from './sequential.js';
import { uploadWeight } from './upload-weight.js';
import type { WeightArray, WeightLayer } from './weights-source.js';

interface LayerConfig {
  class_name: string;
  config: Record<string, unknown>;
}

export interface KerasConfigOptions {
  backend?: Backend;
  /** float32 (default) or float64 (CPU only). */
  dtype?: DType;
  preprocessing?: Preprocessing;
  name?: string;
  /** Pixels per side for a config whose input size is open (None); default: the recognised family's. */
  inputSize?: number;
  /**
   * Whether the weights come from the Theano backend (a true convolution: kernels flipped), as
   * the weight file says (`keras1-theano`). Unset: Keras 1 `dim_ordering: 'th'` kernels are taken
   * as Theano's, the one convention such configs had before the loaders passed the file's.
   */
  theanoKernels?: boolean;
}

/** The layer list of a Sequential or functional-but-linear model config. */
export function configLayers(config: unknown): LayerConfig[] {
  const c = config as { class_name?: string; config?: unknown };
  const inner = c?.config;
  const list = Array.isArray(inner) ? inner : (inner as { layers?: unknown })?.layers;
  if (!Array.isArray(list)) throw new Error('model config: no layer list found (expected a Sequential or linear Model config)');
  return list.map((l, i) => {
    const lc = l as LayerConfig;
    if (typeof lc?.class_name !== 'string' || typeof lc.config !== 'object' || lc.config === null) {
      throw new Error(`model config: layer ${i} has no class_name/config`);
    }
    return lc;
  });
}

/**
 * A config as an object: `model.to_json()` output stored again with `json.dumps` arrives as a
 * string holding JSON (once or twice encoded); parse until it is an object.
 */
export function parseModelConfig(config: unknown): unknown {
  let c = config;
  for (let i = 0; i < 3 && typeof c === 'string'; i++) {
    try {
      c = JSON.parse(c);
    } catch (e) {
      throw new Error(`model config: a string that is not JSON (${(e as Error).message})`);
    }
  }
  return c;
}

export function buildFromKerasConfig(rawConfig: unknown, fileLayers: readonly WeightLayer[], opts: KerasConfigOptions = {}): GraphModel {
  let config = parseModelConfig(rawConfig);
  let weightLayers = fileLayers;
  if (hasNestedModels(config)) ({ config, weightLayers } = inlineNestedModels(config, fileLayers));
  const backend = opts.backend ?? getBackend();
  const layers = configLayers(config);
  const byName = new Map(weightLayers.map((l) => [l.name, l]));
  // Keras 3 files name groups by class, not by layer: fall back to order among weighted layers.
  const weightedInOrder = weightLayers.filter((l) => l.weights.length > 0);
  let nextWeighted = 0;
  const ctx: KerasLayerContext = {
    backend,
    dtype: opts.dtype,
    theano: false,
    kernelsOihw: false,
    keras3: isKeras3Config(config),
    weightsFor(name, expected) {
      const hit = byName.get(name);
      const src = hit && hit.weights.length > 0 ? hit : weightedInOrder[nextWeighted];
      nextWeighted++;
      if (!src || src.weights.length < expected) {
        throw new Error(`layer ${name}: the weight file has no weights for it (expected ${expected} arrays)`);
      }
      return src.weights;
    },
    upload: (w) => uploadWeight(w, backend, opts.dtype),
    theanoKernel: (name, w) => theanoKernelToHwio(name, w, backend, opts.dtype, opts.theanoKernels ?? true),
  };

  let inputShape: number[] | null = null;
  const built: { name: string; layer: GraphLayer | null }[] = [];
  layers.forEach((entry, i) => {
    const { class_name: cls, config: c } = entry;
    const name = String(c.name ?? (entry as { name?: unknown }).name ?? `${cls.toLowerCase()}_${i}`);
    const batchShape = (c.batch_input_shape ?? c.batch_shape) as (number | null)[] | undefined;
    const ordering = (c.dim_ordering ?? c.data_format) as string | undefined;
    if (ordering === 'th' || ordering === 'channels_first') ctx.theano = true;
    // Keras 1 stored channels-first kernels as (Cout, Cin, kh, kw); Keras 2 always as HWIO.
    if (ordering === 'th') ctx.kernelsOihw = true;
    if (batchShape && !inputShape) {
      const s = batchShape.slice(1) as number[];
      inputShape = ctx.theano && s.length === 3 ? [s[1]!, s[2]!, s[0]!] : s;
    }
    const inbound = (entry as { inbound_nodes?: unknown }).inbound_nodes;
    built.push({ name, layer: isKerasOperation(entry) ? buildKerasOperation(name, entry) : buildKerasLayer(cls, c, name, ctx, inbound) });
  });
  // keras.applications models saved without a fixed input size (input_shape=None): the family's default.
  const open = inputShape as (number | null)[] | null;
  if (open && open.length === 3 && Number.isInteger(open[2]) && (open[0] === null || open[1] === null)) {
    const family = recogniseFamily(built.map((b) => b.name));
    const size = opts.inputSize ?? family?.inputSize;
    if (size !== undefined) inputShape = [open[0] ?? size, open[1] ?? size, open[2]!];
  }
  if (!inputShape || (inputShape as number[]).length !== 3 || (inputShape as number[]).some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new Error(`model config: the input shape ${JSON.stringify(inputShape)} is not a fixed [H, W, C] image shape`);
  }
  const shape = inputShape as [number, number, number];
  const preprocessing = opts.preprocessing ?? noPreprocessing;
  const modelName = opts.name ?? (typeof (config as { config?: { name?: unknown } }).config?.name === 'string' ? String((config as { config: { name: string } }).config.name) : 'keras-model');
  if (!isFunctionalConfig(config)) {
    const chain = built.flatMap((b) => (b.layer ? [b.layer] : []));
    for (const l of chain) if ((l as { merge?: boolean }).merge) throw new Error(`layer ${l.name}: a merge layer in a Sequential model has nothing to merge`);
    return new SequentialModel(modelName, chain as Layer[], shape, preprocessing);
  }
  const wiring = kerasWiring(config);
  const nodes = built.flatMap((b, i) => {
    if (!b.layer) return [];
    const entryName = layerEntryName(layers[i] as { name?: unknown; config?: { name?: unknown } }, i);
    const inputs = wiring.inputs.get(entryName) ?? [];
    if (inputs.length === 0) throw new Error(`layer ${b.name}: the model config says nothing about its inputs (no inbound_nodes)`);
    const n = wiring.calls.get(entryName) ?? 1;
    // A shared layer: one set of weights, one graph node per call.
    const calls = Array.from({ length: n - 1 }, (_, j) => ({ layer: sharedCall(b.layer!, callName(entryName, j + 1)), inputs: wiring.inputs.get(callName(entryName, j + 1))! }));
    return [{ layer: b.layer, inputs }, ...calls];
  });
  return new GraphModel(modelName, nodes, shape, preprocessing, wiring.inputLayer, wiring.outputLayer);
}

/** Keras 1 channels-first kernels are (Cout, Cin, kh, kw), and flipped when Theano trained them (a true convolution): to HWIO. */
function theanoKernelToHwio(name: string, w: WeightArray, backend: Backend, dtype: DType | undefined, flip: boolean): Tensor {
  if (w.shape.length !== 4) throw new Error(`layer ${name}: Theano kernel must be rank 4, got ${formatShape(w.shape)}`);
  const [co, ci, kh, kw] = w.shape as [number, number, number, number];
  const out = new Float32Array(w.data.length);
  for (let o = 0; o < co; o++)
    for (let i = 0; i < ci; i++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++) {
          out[((y * kw + x) * ci + i) * co + o] = w.data[((o * ci + i) * kh + (flip ? kh - 1 - y : y)) * kw + (flip ? kw - 1 - x : x)]!;
        }
  return fromArray(out, [kh, kw, ci, co], { backend, dtype });
}

/** A Keras 3 config: its layer entries carry `module` (and `registered_name`), or it says keras_version 3. */
export function isKeras3Config(config: unknown): boolean {
  const c = config as { keras_version?: unknown; module?: unknown };
  if (typeof c?.keras_version === 'string') return c.keras_version.startsWith('3');
  if (typeof c?.module === 'string') return true;
  try {
    return configLayers(config).some((l) => typeof (l as { module?: unknown }).module === 'string');
  } catch {
    return false;
  }
}
