/**
 * The one result type of explain(), whatever the method: maps as plain arrays with their shapes,
 * the target, the scores, completeness where the method defines it, the parameters used, the
 * backend and timings. Plain data (no tensors), so it can be kept, sent to a worker or written
 * (src/attribution/explanation-writer.ts) without a device. Browser-safe.
 */
import type { OutputHead } from '../models/layered-model.js';
import type { ScoreKind } from './score.js';
import type { BaselineStats, OptimizeBaselineResult } from './optimize-baseline.js';

export type ExplainMethod = 'integrated-gradients' | 'grad-cam' | 'rsi-grad-cam';

export const EXPLAIN_METHODS: readonly ExplainMethod[] = ['integrated-gradients', 'grad-cam', 'rsi-grad-cam'];

/** Σ of the attribution against what it should add up to, y^c(x) − y^c(x'). */
export interface Completeness {
  /** Σ_i IG_i (IG), or Σ_k Σ_ij S^k_ij at the layer (RSI-Grad-CAM). */
  sum: number;
  /** y^c(x) − y^c(x'). */
  expected: number;
  /** sum − expected. */
  delta: number;
}

export interface ExplanationMap {
  /** 'attribution' for an input-space map, else the layer's name. */
  name: string;
  /** 'input': the model's input space, [H, W, C] (IG); 'layer': a layer's resolution, [h, w] (CAMs). */
  space: 'input' | 'layer';
  /** The layer, for 'layer' maps. */
  layer?: string;
  shape: number[];
  /** Row-major values: IG attributions, or the raw CAM after ReLU and before normalisation. */
  data: Float32Array;
  /** CAM channel weights w_k, one per channel of the layer. */
  channelWeights?: Float32Array;
  /** Where the method defines it: IG's attribution, RSI-Grad-CAM per layer. */
  completeness?: Completeness;
}

export interface ExplanationTarget {
  /** Class index c. */
  index: number;
  /** Where the model's classes are known (ImageNet, the digit model). */
  label?: string;
  wnid?: string;
}

export interface ExplanationScores {
  /**
   * What y^c is: the model's output ('probability' for a softmax head, 'score' for any other
   * head: sigmoid units, linear regression outputs) or the pre-activation 'logit'.
   */
  kind: ScoreKind | 'score';
  /** What the model's output layer ends in (softmax, sigmoid, linear, other). */
  head: OutputHead;
  /** y^c(x). */
  input: number;
  /** y^c(x') for the path methods. */
  baseline?: number;
  /** A softmax head's output for the target at x (its probability); absent for other heads. */
  probability?: number;
  /** Another head's output for the target at x (a sigmoid unit's or a linear output's score); absent for softmax heads. */
  score?: number;
  /** The model's whole output at x, one value per class. */
  output: Float32Array;
  /** IG: y^c at each quadrature node α_l of the path from x' to x. */
  path?: { alphas: number[]; values: number[] };
}

/** The optimised baseline's report (paper eq. 8): its settings, and its output before and after. */
export interface BaselineOptimization {
  settings: OptimizeBaselineResult['settings'];
  before: BaselineStats;
  after: BaselineStats;
}

export interface Explanation {
  method: ExplainMethod;
  /** The model's name. */
  model: string;
  target: ExplanationTarget;
  scores: ExplanationScores;
  maps: ExplanationMap[];
  /** With baseline 'optimized': how the optimisation went. */
  baselineOptimization?: BaselineOptimization;
  /** Every setting that shaped the result, defaults included (steps, rule, layers, baseline, …). */
  parameters: Record<string, string | number | boolean | string[]>;
  backend: { name: string; adapter: string };
  /**
   * What looks wrong with the result (explain() always sets it, maybe empty): a saturated top
   * probability (≥ 1 − 1e-6), a map that is all zero; each names the likely cause (the pixel
   * scaling, --preprocess / the `preprocess` load option).
   */
  warnings?: string[];
  /** Milliseconds per phase ('baseline', 'predict', the method's phase) and 'total'. */
  timings: Record<string, number>;
}

/**
 * The explanation as JSON-ready data without its big arrays (maps, channel weights, the model's
 * whole output); each map keeps its name, space, shape and completeness.
 */
export function explanationSummary(e: Explanation): Record<string, unknown> {
  const { output: _output, ...scores } = e.scores;
  return {
    method: e.method,
    model: e.model,
    target: e.target,
    scores,
    maps: e.maps.map(({ data: _data, channelWeights: _weights, ...rest }) => rest),
    ...(e.baselineOptimization ? { baselineOptimization: e.baselineOptimization } : {}),
    parameters: e.parameters,
    backend: e.backend,
    ...(e.warnings?.length ? { warnings: e.warnings } : {}),
    timings: e.timings,
  };
}
