/**
 * Deletion and insertion curves (RISE, Petsiuk et al. 2018) for any saliency map: pixels are
 * ranked by the map; deletion replaces the most salient pixels of the input with a baseline step
 * by step, insertion reveals them on top of a baseline; the class score after each step traces a
 * curve whose area (trapezoid rule over the fraction of pixels, in [0, 1]) is the metric. A good
 * map has low deletion AUC and high insertion AUC.
 */
import * as op from '../autograd/ops.js';
import { noGrad } from '../autograd/tape.js';
import type { LayeredModel } from '../models/sequential.js';
import { fromArray } from '../tensor/creation.js';
import { scope } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { chunks } from './batching.js';
import { throwIfAborted, yieldToEventLoop, type LongRunOptions } from './progress.js';
import { readAndDispose } from './read.js';
import { classScores, type ScoreKind } from './score.js';

export interface CurveOptions extends LongRunOptions {
  target: number;
  score?: ScoreKind;
  /** Number of steps (default 16; the curve has steps + 1 points). */
  steps?: number;
  /** What deleted pixels become (model input space, [1, H, W, C]); default black. */
  deletionBaseline: Tensor;
  /** What insertion starts from; default: the deletion baseline. RISE uses a blurred input. */
  insertionBaseline?: Tensor;
  batchSize?: number;
}

export interface Curve {
  /** Fraction of pixels changed at each point, 0 … 1. */
  fractions: number[];
  scores: number[];
  auc: number;
}

export interface DeletionInsertion {
  deletion: Curve;
  insertion: Curve;
}

/** `saliency` is an [H, W] map at the model's input resolution. */
export async function deletionInsertion(model: LayeredModel, x: Tensor, saliency: Float32Array, opts: CurveOptions): Promise<DeletionInsertion> {
  const [H, W] = model.inputShape;
  if (saliency.length !== H * W) throw new Error(`deletionInsertion: the map has ${saliency.length} values, the model input has ${H}×${W} = ${H * W} pixels`);
  const steps = opts.steps ?? 16;
  const order = Array.from(saliency.keys()).sort((a, b) => saliency[b]! - saliency[a]! || a - b);
  const fractions = Array.from({ length: steps + 1 }, (_, s) => s / steps);
  // masks[s] = 1 on the first round(s/steps · HW) pixels of the ranking.
  const masks = new Float32Array((steps + 1) * H * W);
  fractions.forEach((f, s) => {
    const n = Math.round(f * H * W);
    for (let i = 0; i < n; i++) masks[s * H * W + order[i]!] = 1;
  });
  const ranking = { masks, fractions };
  const deletion = await curve(model, x, { ...ranking, base: opts.deletionBaseline, deleting: true }, opts);
  const insertion = await curve(model, x, { ...ranking, base: opts.insertionBaseline ?? opts.deletionBaseline, deleting: false }, opts);
  return { deletion, insertion };
}

/** One curve's walk: the masks per step (1 = the pixel is among the top-ranked), and from where pixels come. */
interface CurveWalk {
  masks: Float32Array;
  fractions: number[];
  base: Tensor;
  /** Deletion (ranked pixels replaced by the baseline's) or insertion (ranked pixels from x). */
  deleting: boolean;
}

async function curve(model: LayeredModel, x: Tensor, walk: CurveWalk, opts: CurveOptions): Promise<Curve> {
  const { masks, fractions, base, deleting } = walk;
  const [H, W] = model.inputShape;
  const n = fractions.length;
  const batch = opts.batchSize ?? 8;
  const scores: number[] = [];
  for (const [s, e] of chunks(n, batch)) {
    throwIfAborted(opts.signal, 'deletionInsertion');
    const out = noGrad(() =>
      scope(() => {
        const m = fromArray(masks.subarray(s * H * W, e * H * W), [e - s, H, W, 1], { backend: x.backend, dtype: x.dtype });
        // Deletion: the mask marks pixels taken from the baseline; insertion: pixels taken from x.
        const [on, off] = deleting ? [base, x] : [x, base];
        const images = op.add(op.mul(m, on), op.mul(op.sub(op.scalarLike(m, 1), m), off));
        return classScores(model, images, opts.target, opts.score ?? 'probability');
      }),
    );
    scores.push(...(await readAndDispose(out)));
    opts.onProgress?.({ phase: deleting ? 'deletion' : 'insertion', done: e, total: n });
    await yieldToEventLoop();
  }
  let auc = 0;
  for (let i = 1; i < n; i++) auc += ((scores[i - 1]! + scores[i]!) / 2) * (fractions[i]! - fractions[i - 1]!);
  return { fractions, scores, auc };
}
