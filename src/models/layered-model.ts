/**
 * What attribution methods need of a model: named layers, their shapes, and a run that can start
 * after a layer, stop at one, and capture any layer's output. Sequential models and graph
 * (functional) models both implement it.
 */
import type { Backend } from '../kernels/backend.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Preprocessing } from './preprocessing.js';

export interface RunOptions {
  /** `x` is the output of this layer; the run computes only what lies downstream of it. */
  from?: string;
  /** Stop after this layer and return its output. */
  until?: string;
  /** Layers whose outputs to return in `activations`. */
  capture?: readonly string[];
  /** Return the pre-softmax values of a softmax head instead of probabilities. */
  logits?: boolean;
  /**
   * Outputs of other layers that are given rather than computed: on a graph model, a run `from` a
   * layer that skip connections bypass needs them (the layers `headInputs(from)` names).
   */
  given?: ReadonlyMap<string, Tensor>;
}

export interface RunResult {
  output: Tensor;
  activations: Map<string, Tensor>;
}

/** What attribution methods need of a model (VGG19, the digit model, or your own). */
export interface LayeredModel {
  readonly name: string;
  /** One example's input shape [H, W, C] in the model's input space. */
  readonly inputShape: readonly [number, number, number];
  /** Layer names in an order where every layer comes after the layers it reads. */
  readonly layerNames: readonly string[];
  readonly numClasses: number;
  /** True when the model's output is a softmax (probabilities), so `logits` is available. */
  readonly hasSoftmax: boolean;
  /** How pixels (RGB, 0–255) become model inputs. */
  readonly preprocessing: Preprocessing;
  /** Where the weights live: inputs must be created there. */
  readonly backend: Backend;
  /** One example's output shape of a layer, e.g. [14, 14, 512]. */
  layerShape(name: string): readonly number[];
  run(x: Tensor, opts?: RunOptions): RunResult;
  /**
   * The layers outside `layer`'s downstream part whose outputs that part reads (skip connections
   * that bypass `layer`): a run `from: layer` needs them in `given`. Empty for a chain; absent on
   * models that are chains.
   */
  headInputs?(layer: string): readonly string[];
  /** What a layer is ('conv2d', 'activation', 'maxPool2d', …), for choosing layers by kind. */
  layerKind?(layer: string): string;
}
