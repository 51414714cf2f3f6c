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
  /** Return the pre-activation values of a softmax or sigmoid head instead of its output. */
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
  /**
   * What the output layer ends in: 'softmax' (a probability distribution), 'sigmoid' (binary or
   * multi-label: each unit a probability of its own), 'linear' (regression, raw scores) or 'other'
   * (any other activation). Absent: 'softmax' when `hasSoftmax`, else 'other'.
   */
  readonly head?: OutputHead;
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

/** What a model's output layer ends in (see LayeredModel.head). */
export type OutputHead = 'softmax' | 'sigmoid' | 'linear' | 'other';

/** A model's head, for models that do not say (softmax when hasSoftmax, else other). */
export function outputHead(model: Pick<LayeredModel, 'hasSoftmax' | 'head'>): OutputHead {
  return model.head ?? (model.hasSoftmax ? 'softmax' : 'other');
}

/**
 * What one output value is called in results and messages: 'probability' only for a softmax head
 * (the outputs form one distribution), 'score' otherwise (sigmoid units are not exclusive, linear
 * outputs are not probabilities at all).
 */
export function outputValueName(model: Pick<LayeredModel, 'hasSoftmax' | 'head'>): 'probability' | 'score' {
  return outputHead(model) === 'softmax' ? 'probability' : 'score';
}

/** True when the head has a pre-activation 'logit' to explain instead (softmax and sigmoid heads). */
export function headHasLogits(model: Pick<LayeredModel, 'hasSoftmax' | 'head'>): boolean {
  const h = outputHead(model);
  return h === 'softmax' || h === 'sigmoid';
}
