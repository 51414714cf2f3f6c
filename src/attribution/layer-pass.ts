/**
 * One pass that yields, for a batch of inputs, the activations of several named layers and the
 * gradients of the class score with respect to each. The layers below the lowest requested one
 * run without a tape, so no backward pass is paid below it (the point of RSI-Grad-CAM's cost).
 */
import * as op from '../autograd/ops.js';
import { GradientTape, noGrad } from '../autograd/tape.js';
import type { LayeredModel } from '../models/sequential.js';
import type { Tensor } from '../tensor/tensor.js';
import { classScores, type ScoreKind } from './score.js';

export interface LayerPass {
  /** y^c per batch row, [B]. */
  scores: Tensor;
  activations: Map<string, Tensor>;
  gradients: Map<string, Tensor>;
}

export function checkLayers(model: LayeredModel, layers: readonly string[]): void {
  if (layers.length === 0) throw new Error('at least one layer is needed');
  for (const l of layers) {
    if (!model.layerNames.includes(l)) {
      throw new Error(`model ${model.name} has no layer '${l}'; valid layers: ${model.layerNames.join(', ')}`);
    }
    if (model.layerShape(l).length !== 3) {
      throw new Error(`layer ${l} of model ${model.name} has output ${JSON.stringify(model.layerShape(l))}, not a spatial [H, W, C] map`);
    }
  }
}

/** Call inside a scope: every tensor returned is owned by it. */
export function layerPass(model: LayeredModel, x: Tensor, layers: readonly string[], target: number, score: ScoreKind): LayerPass {
  const ordered = [...new Set(layers)].sort((a, b) => model.layerNames.indexOf(a) - model.layerNames.indexOf(b));
  const lowest = ordered[0]!;
  const upper = ordered.slice(1);
  // On a graph, the head downstream of `lowest` may also read layers that bypass it (skip
  // connections, parallel branches): the body computes those too, and the head is given them.
  const bypass = model.headInputs?.(lowest) ?? [];
  const { output: body, activations: given } = noGrad(() => model.run(x, { until: lowest, capture: [...bypass, ...upper] }));
  const tape = new GradientTape();
  tape.watch(body);
  // A requested layer off the path through `lowest` (a parallel branch) is given, not computed
  // in the head: watching it gives its gradient with the other layers held fixed.
  for (const l of upper) if (given.has(l)) tape.watch(given.get(l)!);
  let scores: Tensor;
  let captured: Map<string, Tensor>;
  try {
    const { output, activations } = model.run(body, { from: lowest, given, capture: upper, logits: score === 'logit' });
    captured = activations;
    scores = op.pickClasses(output, new Array<number>(output.shape[0]!).fill(target));
  } catch (e) {
    tape.stop();
    throw e;
  }
  const acts = ordered.map((l) => (l === lowest ? body : captured.get(l)!));
  // Rows are independent, so the gradient of Σ_b y_b gives each row's own gradient.
  const grads = tape.gradient(op.sum(scores), acts);
  return {
    scores,
    activations: new Map(ordered.map((l, i) => [l, acts[i]!])),
    gradients: new Map(ordered.map((l, i) => [l, grads[i]!])),
  };
}

export { classScores };
