/**
 * Baseline optimisation (paper section 3, eq. 8): find b near b_0 whose output is the target
 * distribution o_t (uniform by default), minimising
 *   L(b) = λ · L_out(softmax(F(b)), o_t) + (1 − λ) · mean((b − b_0)²)   (in preprocessed units),
 * with the network frozen and b itself the optimised variable.
 */
import * as op from '../autograd/ops.js';
import { valueAndGrad } from '../autograd/functional.js';
import { noGrad } from '../autograd/tape.js';
import type { LayeredModel } from '../models/sequential.js';
import { preprocessValues, unpreprocessValues } from '../models/preprocessing.js';
import { fromArray } from '../tensor/creation.js';
import { keep, scope } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { createOptimizer, type OptimizerName } from '../optim/optimizers.js';
import type { PixelImage } from './baselines.js';
import { throwIfAborted, yieldToEventLoop } from './progress.js';
import { maybeAutotuned, type TunableRunOptions } from './autotune.js';
import { ALLOW_HINT, checkFiniteResults, checkFiniteValues } from './finite.js';
import { readAndDispose } from './read.js';

/** The statistics' numbers, each named for the error, which also names the first layer that is not finite at b. */
async function checkStats(s: BaselineStats, when: string, model: LayeredModel, b: Tensor): Promise<void> {
  const names = ['minProbability', 'maxProbability', 'maxDeviation', 'pixelMin', 'pixelMax', 'l0', 'loss'] as const;
  await checkFiniteResults('optimizeBaseline', names.map((k) => ({ what: `${when}, ${k}`, values: [s[k]] })), { model, input: b, inputName: 'the baseline' });
}

export type OutputLoss = 'max' | 'mse' | 'crossentropy';

export interface OptimizeBaselineOptions extends TunableRunOptions {
  /** Starting point and anchor b_0 in pixel space (default black). */
  init?: PixelImage;
  /** Default 'max' (the paper's best). */
  loss?: OutputLoss;
  /** λ (default 0.9). */
  lambda?: number;
  /** o_t (default uniform 1/K). */
  targetDistribution?: Float32Array;
  optimizer?: OptimizerName;
  /** Default 0.1. */
  /**
   * Step size in pixel units (the 0–255 scale) (default 0.1, the authors' value for caffe VGG19,
   * whose inputs are in pixel units). The optimiser steps in model-input units, so it uses
   * learningRate × preprocessing.scale, and with a per-channel divisor (torch's std) it steps
   * u = b · std[c] instead of b: a sign-like step (RMSprop, Adam) is then the same number of
   * pixels in every channel for any preprocessing.
   */
  learningRate?: number;
  /** Default 200. */
  iterations?: number;
  /**
   * Return a baseline or statistics with NaN or ±Inf (a learning rate that diverged) instead of
   * throwing a NonFiniteError (default false).
   */
  allowNonFinite?: boolean;
}

export interface BaselineStats {
  minProbability: number;
  maxProbability: number;
  /** max_j |o_b,j − o_t,j|. */
  maxDeviation: number;
  /** Range of the baseline's pixels on the 0–255 scale. */
  pixelMin: number;
  pixelMax: number;
  /** mean((b − b_0)²) in preprocessed units. */
  l0: number;
  /** The full objective L(b). */
  loss: number;
  /** The top classes of the baseline's output. */
  top: { index: number; probability: number }[];
}

export interface OptimizeBaselineResult {
  /** The optimised baseline in pixel space (RGB, 0–255 scale, may leave it). */
  baseline: PixelImage;
  before: BaselineStats;
  after: BaselineStats;
  settings: { loss: OutputLoss; lambda: number; optimizer: OptimizerName; learningRate: number; iterations: number };
}

/**
 * The optimised baseline (paper section 3, eq. 8): a baseline near the starting image whose
 * output is the target distribution (uniform by default), found by gradient descent on
 * λ·L_out + (1 − λ)·L_0 with the network frozen; reports the outputs before and after.
 */
export async function optimizeBaseline(model: LayeredModel, opts: OptimizeBaselineOptions = {}): Promise<OptimizeBaselineResult> {
  if (!model.hasSoftmax) throw new Error(`optimizeBaseline: model ${model.name} has no softmax output; the method targets an output distribution`);
  const [H, W, C] = model.inputShape;
  const K = model.numClasses;
  const loss = opts.loss ?? 'max';
  if (!['max', 'mse', 'crossentropy'].includes(loss)) throw new Error(`optimizeBaseline: loss must be max, mse or crossentropy, got '${loss}'`);
  const lambda = opts.lambda ?? 0.9;
  if (!(lambda >= 0 && lambda <= 1)) throw new Error(`optimizeBaseline: lambda must be in [0, 1], got ${lambda}`);
  const iterations = opts.iterations ?? 200;
  if (!Number.isInteger(iterations) || iterations < 0) throw new Error(`optimizeBaseline: iterations must be a non-negative integer, got ${iterations}`);
  const learningRate = opts.learningRate ?? 0.1;
  if (!(learningRate > 0 && Number.isFinite(learningRate))) throw new Error(`optimizeBaseline: learningRate must be a positive finite number, got ${learningRate}`);
  const optimizerName = opts.optimizer ?? 'rmsprop';
  const init = opts.init ?? { width: W, height: H, channels: C, data: new Float32Array(H * W * C) };
  if (init.height !== H || init.width !== W || init.channels !== C) {
    throw new Error(`optimizeBaseline: init has shape [${init.height}, ${init.width}, ${init.channels}], the model input is [${H}, ${W}, ${C}]`);
  }
  checkFiniteValues(init.data, 'optimizeBaseline: init');
  const ot = opts.targetDistribution ?? new Float32Array(K).fill(1 / K);
  if (ot.length !== K) throw new Error(`optimizeBaseline: the target distribution has ${ot.length} entries, the model has ${K} classes`);

  const b0Values = preprocessValues(model.preprocessing, init.data, C);
  const create = (v: Float32Array): Tensor => fromArray(v, [1, H, W, C], { backend: model.backend });
  const b0 = create(b0Values);
  const target = fromArray(ot, [1, K], { backend: model.backend });

  const objective = (b: Tensor): Tensor => {
    const probs = model.run(b).output;
    let out: Tensor;
    if (loss === 'max') out = op.max(op.abs(op.sub(probs, target)));
    else if (loss === 'mse') out = op.mean(op.square(op.sub(probs, target)));
    else out = op.neg(op.sum(op.mul(target, op.log(op.add(probs, op.scalarLike(probs, 1e-12))))));
    const l0 = op.mean(op.square(op.sub(b, b0)));
    return op.add(op.mul(out, op.scalarLike(out, lambda)), op.mul(l0, op.scalarLike(l0, 1 - lambda)));
  };

  const stats = async (b: Tensor): Promise<BaselineStats> => {
    const [probsT, lossT, l0T] = noGrad(() =>
      scope(() => {
        const p = model.run(b).output;
        return [p, objective(b), op.mean(op.square(op.sub(b, b0)))].map((t) => keep(t));
      }),
    );
    const probs = await readAndDispose(probsT!);
    const lossV = (await readAndDispose(lossT!))[0]!;
    const l0 = (await readAndDispose(l0T!))[0]!;
    const pixels = unpreprocessValues(model.preprocessing, Float32Array.from(await b.data()), C);
    let maxDeviation = 0;
    probs.forEach((p, j) => (maxDeviation = Math.max(maxDeviation, Math.abs(p - ot[j]!))));
    const order = Array.from(probs.keys()).sort((i, j) => probs[j]! - probs[i]!);
    return {
      minProbability: probs.reduce((a, v) => Math.min(a, v), Infinity),
      maxProbability: probs.reduce((a, v) => Math.max(a, v), -Infinity),
      maxDeviation,
      pixelMin: pixels.reduce((a, v) => Math.min(a, v), Infinity),
      pixelMax: pixels.reduce((a, v) => Math.max(a, v), -Infinity),
      l0,
      loss: lossV,
      top: order.slice(0, 5).map((index) => ({ index, probability: probs[index]! })),
    };
  };

  const optimizer = createOptimizer(optimizerName, { learningRate: learningRate * model.preprocessing.scale });
  // The optimised variable: b itself, or u = b · std[c] where the preprocessing divides by a
  // per-channel std (b = u / std[c]), so that the optimiser's step maps to the same pixel step.
  const std = model.preprocessing.std;
  const inverseStd = std ? fromArray(Float32Array.from(std, (v) => 1 / v), [C], { backend: model.backend }) : null;
  const toInput = (u: Tensor): Tensor => (inverseStd ? op.mul(u, inverseStd) : u);
  const withInput = async <T>(u: Tensor, f: (b: Tensor) => Promise<T>): Promise<T> => {
    if (!inverseStd) return f(u);
    const b = noGrad(() => toInput(u));
    try {
      return await f(b);
    } finally {
      b.dispose();
    }
  };
  let u = create(std ? b0Values.map((v, i) => v * std[i % C]!) : b0Values);
  try {
    const before = await withInput(u, stats);
    // The model itself is not finite at the starting point: no step can help.
    if (!opts.allowNonFinite) await withInput(u, (b) => checkStats(before, 'at the starting point (before any step)', model, b));
    for (let it = 0; it < iterations; it++) {
      throwIfAborted(opts.signal, 'optimizeBaseline');
      const { value, next } = await maybeAutotuned(u.backend, it === 0 ? opts : {}, () => scope(() => {
        const { value: v, grads } = valueAndGrad((x: Tensor) => objective(toInput(x)))(u);
        return { value: v, next: optimizer.step(u, grads[0]!) };
      }));
      u.dispose();
      u = next;
      if (opts.onProgress) {
        const lv = (await readAndDispose(value))[0]!;
        opts.onProgress({ phase: 'baseline', done: it + 1, total: iterations, detail: { loss: lv } });
      } else value.dispose();
      if ((it & 7) === 7) await yieldToEventLoop();
    }
    const after = await withInput(u, stats);
    const pixels = await withInput(u, async (b) => unpreprocessValues(model.preprocessing, Float32Array.from(await b.data()), C));
    if (!opts.allowNonFinite) {
      await withInput(u, (b) => checkStats(after, `after ${iterations} iterations (learning rate ${learningRate} may be too large)`, model, b));
      checkFiniteValues(pixels, `optimizeBaseline: after ${iterations} iterations (learning rate ${learningRate} may be too large), the baseline`, ALLOW_HINT);
    }
    return {
      baseline: { width: W, height: H, channels: C, data: pixels },
      before,
      after,
      settings: { loss, lambda, optimizer: optimizerName, learningRate, iterations },
    };
  } finally {
    u.dispose();
    inverseStd?.dispose();
    b0.dispose();
    target.dispose();
    optimizer.dispose();
  }
}

