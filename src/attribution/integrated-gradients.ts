/**
 * Integrated Gradients (paper eq. 2–3): IG_i = (x_i − x'_i) · Σ_l w_l ∂y^c(x' + α_l (x − x'))/∂x_i,
 * with the quadrature rules of ./quadrature.ts, evaluated in batches of interpolated inputs, and
 * the completeness delta δ = Σ_i IG_i − (y^c(x) − y^c(x')).
 */
import * as op from '../autograd/ops.js';
import { vjp } from '../autograd/functional.js';
import type { LayeredModel } from '../models/sequential.js';
import { fromArray } from '../tensor/creation.js';
import { keep, scope } from '../tensor/scope.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { autoBatchSize, chunks } from './batching.js';
import { checkFiniteTensor } from './finite.js';
import { readAndDispose } from './read.js';
import { throwIfAborted, yieldToEventLoop } from './progress.js';
import { maybeAutotuned, type TunableRunOptions } from './autotune.js';
import { quadrature, type QuadratureRule } from './quadrature.js';
import { argmax, checkScore, checkTarget, classScores, requireBaseline, type ScoreKind } from './score.js';

export interface IntegratedGradientsOptions extends TunableRunOptions {
  /** Model-input-space baseline x' (same shape as x); default: required. */
  baseline: Tensor;
  target?: number;
  score?: ScoreKind;
  /** m (default 50). */
  steps?: number;
  rule?: QuadratureRule;
  /** Interpolated inputs per batch (default: as many as the memory budget allows). */
  batchSize?: number;
}

export interface IntegratedGradientsResult {
  /** [1, H, W, C] in the model's input space. */
  attribution: Tensor;
  target: number;
  /** y^c(x) and y^c(x'). */
  scoreInput: number;
  scoreBaseline: number;
  /** Σ IG (summed on the device). */
  attributionSum: number;
  /** Σ IG − (y(x) − y(x')). */
  delta: number;
  /** The quadrature nodes α_l and y^c(x' + α_l (x − x')) at each: the score along the path. */
  pathAlphas: number[];
  pathScores: Float32Array;
  steps: number;
  rule: QuadratureRule;
  batchSize: number;
}

/**
 * Integrated Gradients (paper eq. 2–3): IG_i = (x_i − x′_i) · Σ_l w_l · ∂y^c(x′ + α_l(x − x′))/∂x_i
 * over the quadrature rule's nodes, with the completeness delta Σ IG − (y^c(x) − y^c(x′)).
 */
export async function integratedGradients(model: LayeredModel, x: Tensor, opts: IntegratedGradientsOptions): Promise<IntegratedGradientsResult> {
  const baseline = requireBaseline('integratedGradients', opts);
  checkInput(model, x, 'input');
  checkInput(model, baseline, 'baseline');
  await checkFiniteTensor(x, 'integratedGradients: the input');
  await checkFiniteTensor(baseline, 'integratedGradients: the baseline');
  const score = opts.score ?? 'probability';
  checkScore(model, score);
  const steps = opts.steps ?? 50;
  const rule = opts.rule ?? 'right';
  const { alphas, weights } = quadrature(rule, steps);

  // y(x) and y(x') in one forward pass, and the default target (top-1 at x).
  const ends = scope(() => op.concat([x, baseline], 0));
  const outputs = scope(() => model.run(ends, { logits: score === 'logit' }).output);
  const outValues = await readAndDispose(outputs);
  ends.dispose();
  const K = model.numClasses;
  const target = opts.target ?? argmax(outValues.subarray(0, K));
  checkTarget(model, target);
  const scoreInput = outValues[target]!;
  const scoreBaseline = outValues[K + target]!;

  const batchSize = opts.batchSize ?? autoBatchSize(model, steps);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`integratedGradients: batchSize must be a positive integer, got ${batchSize}`);
  const diff = keep(scope(() => op.sub(x, baseline)));
  let acc: Tensor = keep(op.zerosLike(x));
  // y^c at each batch's points, kept on the device and read back once at the end.
  const pathParts: Tensor[] = [];
  const parts = chunks(steps, batchSize);
  try {
    for (const [done, [s, e]] of parts.entries()) {
      throwIfAborted(opts.signal, 'integratedGradients');
      const next = await maybeAutotuned(x.backend, done === 0 ? opts : {}, () => scope(() => {
        const b = e - s;
        const a = fromArray(alphas.slice(s, e), [b, 1, 1, 1], { backend: x.backend, dtype: x.dtype });
        const w = fromArray(weights.slice(s, e), [b, 1, 1, 1], { backend: x.backend, dtype: x.dtype });
        const points = op.add(baseline, op.mul(a, diff));
        // Pulling back ones gives Σ_rows ∂y/∂p, as the gradient of the sum would, and keeps y per row.
        const r = vjp((p) => classScores(model, p, target, score), points);
        const [g] = r.pullback(op.onesLike(r.value));
        return [op.add(acc, op.sum(op.mul(g!, w), 0, { keepDims: true })), r.value].map((t) => keep(t));
      }));
      acc.dispose();
      acc = next[0]!;
      pathParts.push(next[1]!);
      opts.onProgress?.({ phase: 'integrated-gradients', done: e, total: steps });
      if (done < parts.length - 1) await yieldToEventLoop();
    }
    const attribution = scope(() => op.mul(diff, acc));
    const total = (await readAndDispose(scope(() => op.sum(attribution))))[0]!;
    const pathScores = await readAndDispose(scope(() => op.concat(pathParts, 0)));
    return {
      attribution,
      target,
      scoreInput,
      scoreBaseline,
      attributionSum: total,
      delta: total - (scoreInput - scoreBaseline),
      pathAlphas: alphas,
      pathScores,
      steps,
      rule,
      batchSize,
    };
  } finally {
    diff.dispose();
    acc.dispose();
    for (const t of pathParts) t.dispose();
  }
}

function checkInput(model: LayeredModel, t: Tensor, what: string): void {
  const want = [1, ...model.inputShape];
  if (t.rank !== 4 || t.shape.some((d, i) => d !== want[i])) {
    throw new Error(`integratedGradients: the ${what} must have shape ${formatShape(want)} (model ${model.name}), got ${formatShape(t.shape)}`);
  }
}
