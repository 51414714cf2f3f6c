/**
 * A sequential model with named layers: the chain case of a graph model. It can capture any
 * layer's activation, stop after a layer, and start from a layer's output (so RSI-Grad-CAM runs
 * "the body" once without gradients and differentiates only "the head").
 */
import { GraphModel } from './graph-model.js';
import type { Layer } from './layers.js';
import type { Preprocessing } from './preprocessing.js';

export type { LayeredModel, RunOptions, RunResult } from './layered-model.js';

/** The name of a sequential model's input node (never a Keras layer name: they have no parentheses). */
export const SEQUENTIAL_INPUT = '(input)';

export class SequentialModel extends GraphModel {
  constructor(name: string, layers: readonly Layer[], inputShape: readonly [number, number, number], preprocessing: Preprocessing) {
    const nodes = layers.map((layer, i) => ({ layer, inputs: [i === 0 ? SEQUENTIAL_INPUT : layers[i - 1]!.name] }));
    super(name, nodes, inputShape, preprocessing, SEQUENTIAL_INPUT);
  }
}
