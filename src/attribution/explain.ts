/**
 * explain(model, input, { method, ...options }): the front door for every attribution method.
 * It predicts once (the default target is the top class), makes the baseline the path methods
 * need, calls the method's own function (integratedGradients, gradCam, rsiGradCam: the building
 * blocks, which stay usable alone) with the target fixed, and returns one Explanation. Browser-safe.
 */
import type { LayeredModel } from '../models/sequential.js';
import { outputHead } from '../models/layered-model.js';
import { classLabel } from '../models/class-label.js';
import { outputSaturationWarning, zeroMapWarning } from '../models/pixel-scaling.js';
import { scope } from '../tensor/scope.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { TunableRunOptions } from './autotune.js';
import { resolveExplainBaseline, type BaselineOptimizationOptions, type BaselineSpec, type ResolvedBaseline } from './explain-baseline.js';
import type { Explanation, ExplainMethod, ExplanationMap } from './explanation.js';
import { checkFiniteResults, checkFiniteTensor } from './finite.js';
import { gradCam } from './grad-cam.js';
import { integratedGradients } from './integrated-gradients.js';
import { throwIfAborted } from './progress.js';
import type { QuadratureRule } from './quadrature.js';
import { readAndDispose } from './read.js';
import { rsiGradCam, type RsiRule, type RsiWeighting } from './rsi-grad-cam.js';
import { argmax, checkScore, checkTarget, type ScoreKind } from './score.js';

interface CommonExplainOptions extends TunableRunOptions {
  /** Class index c (default: the model's top class at the input). */
  target?: number;
  /** Default 'probability' (the model's output). */
  score?: ScoreKind;
  /**
   * Return NaN and ±Inf in the result instead of throwing a NonFiniteError that names the layer
   * where they first appeared (default false). The input and baseline are checked either way.
   */
  allowNonFinite?: boolean;
}

/** Options of the methods that integrate along a path from a baseline x' to the input x. */
interface PathExplainOptions {
  /** Default 'black'. */
  baseline?: BaselineSpec;
  /** How result.parameters.baseline names the baseline (e.g. the file it came from). */
  baselineName?: string;
  /** Settings for baseline 'optimized' (loss, λ, optimiser, iterations, …). */
  optimizeBaseline?: BaselineOptimizationOptions;
  /** m (default 50). */
  steps?: number;
  /** Interpolated inputs per batch (default: as many as memory allows). */
  batchSize?: number;
}

export interface IntegratedGradientsExplainOptions extends CommonExplainOptions, PathExplainOptions {
  method: 'integrated-gradients';
  rule?: QuadratureRule;
}

export interface GradCamExplainOptions extends CommonExplainOptions {
  method: 'grad-cam';
  /** Default: the last spatial layer. */
  layers?: readonly string[];
}

export interface RsiGradCamExplainOptions extends CommonExplainOptions, PathExplainOptions {
  method: 'rsi-grad-cam';
  layers?: readonly string[];
  rule?: RsiRule;
  weighting?: RsiWeighting;
}

export type ExplainOptions = IntegratedGradientsExplainOptions | GradCamExplainOptions | RsiGradCamExplainOptions;

/** Explains the model's score for one input [1, H, W, C] (in the model's input space) with one method. */
export async function explain(model: LayeredModel, input: Tensor, options: ExplainOptions): Promise<Explanation> {
  const t0 = now();
  const method: ExplainMethod = options.method;
  if (method !== 'integrated-gradients' && method !== 'grad-cam' && method !== 'rsi-grad-cam') {
    throw new Error(`explain: method must be 'integrated-gradients', 'grad-cam' or 'rsi-grad-cam', got '${String(method)}'`);
  }
  const want = [1, ...model.inputShape];
  if (input.rank !== 4 || input.shape.some((d, i) => d !== want[i])) {
    throw new Error(`explain: the input must have shape ${formatShape(want)} (model ${model.name}), got ${formatShape(input.shape)}`);
  }
  const score = options.score ?? 'probability';
  checkScore(model, score);
  throwIfAborted(options.signal, 'explain');
  await checkFiniteTensor(input, 'explain: the input');
  const timings: Record<string, number> = {};
  const run: TunableRunOptions = { onProgress: options.onProgress, signal: options.signal, autotune: options.autotune, onAutotuned: options.onAutotuned };

  let t = now();
  const output = await readAndDispose(scope(() => model.run(input).output));
  // Checked before the method runs: a model whose output is already NaN would waste every pass.
  if (!options.allowNonFinite) await checkFiniteResults('explain', [{ what: 'the model output at the input', values: output }], { model, input });
  const target = options.target ?? argmax(output);
  checkTarget(model, target);
  timings.predict = now() - t;

  let baseline: ResolvedBaseline | undefined;
  try {
    if (options.method !== 'grad-cam') {
      t = now();
      baseline = await resolveExplainBaseline(model, input, options.baseline ?? 'black', { optimize: options.optimizeBaseline, name: options.baselineName, run, allowNonFinite: options.allowNonFinite });
      timings.baseline = now() - t;
      await checkFiniteTensor(baseline.tensor, 'explain: the baseline');
    }
    t = now();
    const body = await runMethod(model, input, options, { target, score, baseline, run });
    timings[method] = now() - t;
    if (!options.allowNonFinite) await checkFiniteResults('explain', resultArrays(body), { model, input, baseline: baseline?.tensor });
    timings.total = now() - t0;
    const head = outputHead(model);
    // 'probability' only where the output is one: a softmax head's; other heads' outputs are scores.
    const reportedKind = score === 'probability' && head !== 'softmax' ? 'score' : score;
    const warnings = [head === 'softmax' ? outputSaturationWarning(output) : undefined, ...body.maps.map((m) => zeroMapWarning(`the map '${m.name}'`, m.data))].filter((w): w is string => w !== undefined);
    return {
      method,
      model: model.name,
      target: { index: target, ...classLabel(model, target) },
      scores: { kind: reportedKind, head, ...body.scores, ...(head === 'softmax' ? { probability: output[target]! } : { score: output[target]! }), output },
      maps: body.maps,
      ...(baseline?.optimization ? { baselineOptimization: baseline.optimization } : {}),
      // Grad-CAM is one pass and never tunes, so only the path methods record autotune.
      parameters: { score: reportedKind, ...body.parameters, ...(options.autotune && baseline ? { autotune: true } : {}) },
      backend: { name: input.backend.info().name, adapter: input.backend.info().adapter },
      warnings,
      timings,
    };
  } finally {
    if (baseline?.owned) baseline.tensor.dispose();
  }
}

type MethodBody = Pick<Explanation, 'maps' | 'parameters'> & { scores: { input: number; baseline?: number; path?: { alphas: number[]; values: number[] } } };

/** What explain resolved before running a method: the class, the score, the baseline and the run options. */
interface MethodContext {
  target: number;
  score: ScoreKind;
  /** Absent for Grad-CAM, which has no path. */
  baseline: ResolvedBaseline | undefined;
  run: TunableRunOptions;
}

async function runMethod(model: LayeredModel, x: Tensor, o: ExplainOptions, ctx: MethodContext): Promise<MethodBody> {
  const { target, score, baseline: b, run } = ctx;
  if (o.method === 'integrated-gradients') {
    const r = await integratedGradients(model, x, { ...run, baseline: b!.tensor, target, score, steps: o.steps, rule: o.rule, batchSize: o.batchSize });
    let data: Float32Array;
    try {
      data = Float32Array.from(await r.attribution.data());
    } finally {
      r.attribution.dispose();
    }
    const expected = r.scoreInput - r.scoreBaseline;
    const map: ExplanationMap = { name: 'attribution', space: 'input', shape: [...model.inputShape], data, completeness: { sum: r.attributionSum, expected, delta: r.delta } };
    return {
      maps: [map],
      scores: { input: r.scoreInput, baseline: r.scoreBaseline, path: { alphas: r.pathAlphas, values: Array.from(r.pathScores) } },
      parameters: { steps: r.steps, rule: r.rule, baseline: b!.name, batchSize: r.batchSize },
    };
  }
  if (o.method === 'grad-cam') {
    // One forward and backward pass: nothing to report progress on or to tune.
    const r = await gradCam(model, x, { layers: o.layers, target, score });
    return {
      maps: r.maps.map((m) => ({ name: m.layer, space: 'layer', layer: m.layer, shape: [m.height, m.width], data: m.map, channelWeights: m.weights })),
      scores: { input: r.scoreInput },
      parameters: { layers: r.maps.map((m) => m.layer) },
    };
  }
  const r = await rsiGradCam(model, x, { ...run, baseline: b!.tensor, layers: o.layers, target, score, steps: o.steps, rule: o.rule, weighting: o.weighting, batchSize: o.batchSize });
  const expected = r.scoreInput - r.scoreBaseline;
  return {
    maps: r.maps.map((m) => ({
      name: m.layer,
      space: 'layer',
      layer: m.layer,
      shape: [m.height, m.width],
      data: m.map,
      channelWeights: m.weights,
      completeness: { sum: m.integral, expected, delta: m.completenessDelta },
    })),
    scores: { input: r.scoreInput, baseline: r.scoreBaseline },
    parameters: { steps: r.steps, rule: r.rule, weighting: r.weighting, baseline: b!.name, layers: r.maps.map((m) => m.layer), batchSize: r.batchSize },
  };
}

/** Every number of a result, named for the error that reports the first non-finite one. */
function resultArrays(body: MethodBody): { what: string; values: ArrayLike<number> }[] {
  const { input, baseline } = body.scores;
  return [
    { what: 'the score at the input', values: [input] },
    ...(baseline === undefined ? [] : [{ what: 'the score at the baseline', values: [baseline] }]),
    ...body.maps.flatMap((m) => [
      { what: `map ${m.name}`, values: m.data },
      ...(m.channelWeights ? [{ what: `map ${m.name}'s channel weights`, values: m.channelWeights }] : []),
    ]),
  ];
}

/** Milliseconds from the high-resolution clock of Node and browsers alike. */
function now(): number {
  return performance.now();
}
