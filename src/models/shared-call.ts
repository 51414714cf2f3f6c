/**
 * A shared layer's later calls (one Keras layer applied at several nodes): a graph node of its own
 * name (`<layer>@<k>`) that applies the same layer, with the same weight tensors. It lists no
 * weights of its own, so the model owns and disposes each weight once.
 */
import type { GraphLayer } from './graph-model.js';
import type { MergeLayer } from './merge-layers.js';
import type { Layer } from './layers.js';

export function sharedCall(layer: GraphLayer, name: string): GraphLayer {
  if ((layer as MergeLayer).merge === true) {
    const m = layer as MergeLayer;
    return { name, kind: m.kind, merge: true, weights: [], mergedShape: (s) => m.mergedShape(s), applyMerge: (xs) => m.applyMerge(xs) } as MergeLayer;
  }
  const l = layer as Layer;
  const call: Layer & { sharedWith: string; activation?: unknown; opts?: unknown } = {
    name,
    kind: l.kind,
    weights: [],
    softmax: l.softmax,
    sharedWith: l.name,
    outputShape: (s) => l.outputShape(s),
    apply: (x, o) => l.apply(x, o),
  };
  // What the head is made of (GraphModel reads the output layer's activation).
  const a = l as { activation?: unknown; opts?: unknown };
  if (a.activation !== undefined) call.activation = a.activation;
  if (a.opts !== undefined) call.opts = a.opts;
  return call;
}
