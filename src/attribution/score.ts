/**
 * The score y^c that attributions explain: by default the model's output (the softmax probability
 * for a softmax model, as in the paper), or the pre-softmax logit.
 */
import * as op from '../autograd/ops.js';
import type { LayeredModel, RunOptions } from '../models/sequential.js';
import { headHasLogits, outputHead } from '../models/layered-model.js';
import type { Tensor } from '../tensor/tensor.js';

export type ScoreKind = 'probability' | 'logit';

export interface TargetOptions {
  /** Class index c, or output unit (default: the model's top-1 class / largest output at the input). */
  target?: number;
  /** Default 'probability' (the model's output). */
  score?: ScoreKind;
}

export function checkTarget(model: LayeredModel, target: number): void {
  if (!Number.isInteger(target) || target < 0 || target >= model.numClasses) {
    throw new Error(`class index ${target} is out of range: model ${model.name} has ${model.numClasses} classes (0–${model.numClasses - 1})`);
  }
}

export function checkScore(model: LayeredModel, score: ScoreKind): void {
  if (score === 'logit' && !headHasLogits(model)) {
    throw new Error(`score 'logit' needs a softmax or sigmoid head; model ${model.name}'s output is ${outputHead(model)}, so its output already is the score to explain`);
  }
  if (score !== 'logit' && score !== 'probability') throw new Error(`score must be 'probability' or 'logit', got '${String(score)}'`);
}

/** Runs the model (optionally from a layer) and returns y^c for each batch row, shape [B]. */
export function classScores(model: LayeredModel, x: Tensor, target: number, score: ScoreKind, run: RunOptions = {}): Tensor {
  const out = model.run(x, { ...run, logits: score === 'logit' }).output;
  return op.pickClasses(out, new Array<number>(out.shape[0]!).fill(target));
}

/** The model's output probabilities (or raw outputs) for a batch, as a plain array per row. */
export async function predict(model: LayeredModel, x: Tensor): Promise<Float32Array> {
  const out = model.run(x).output;
  try {
    return Float32Array.from(await out.data());
  } finally {
    out.dispose();
  }
}

/** Index of the largest value. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/**
 * The baseline option of IG and RSI-Grad-CAM, which the types require; callers from JavaScript
 * who leave it out get this error rather than a TypeError from deep inside.
 */
export function requireBaseline(method: string, opts: { baseline?: Tensor } | undefined): Tensor {
  if (opts?.baseline) return opts.baseline;
  throw new Error(
    `${method}: options.baseline is required: a tensor shaped like the input, in the model's input space ` +
      '(a black image: pixelsToInput(model, new Float32Array(input.size)))',
  );
}
