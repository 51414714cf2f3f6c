/**
 * RSI-Grad-CAM (paper eq. 5–7): Grad-CAM whose channel weights integrate gradients along the
 * straight path from the baseline, w_k = (1/Z) Σ_ij Σ_l g_l · ΔA_l with α_l = l/m and α_0 = 0,
 * so A(α_0) is the baseline's activation. Every requested layer comes from the same batches of
 * the same pass, and no gradient is computed below the lowest of them.
 */
import * as op from '../autograd/ops.js';
import type { LayeredModel } from '../models/sequential.js';
import { fromArray } from '../tensor/creation.js';
import { keep, scope } from '../tensor/scope.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { autoBatchSize, chunks } from './batching.js';
import type { CamMap } from './grad-cam.js';
import { defaultCamLayer } from './grad-cam.js';
import { checkLayers, layerPass } from './layer-pass.js';
import { throwIfAborted, yieldToEventLoop } from './progress.js';
import { maybeAutotuned, type TunableRunOptions } from './autotune.js';
import { checkFiniteTensor } from './finite.js';
import { readAndDispose } from './read.js';
import { argmax, checkScore, checkTarget, requireBaseline, type ScoreKind } from './score.js';

export type RsiRule = 'right' | 'trapezoid';
export type RsiWeighting = 'paper' | 'guided';

export interface RsiGradCamOptions extends TunableRunOptions {
  /** Model-input-space baseline, [1, H, W, C]. */
  baseline: Tensor;
  layers?: readonly string[];
  target?: number;
  score?: ScoreKind;
  /** m (default 50). */
  steps?: number;
  rule?: RsiRule;
  weighting?: RsiWeighting;
  batchSize?: number;
}

export interface RsiCamMap extends CamMap {
  /** Σ_k Σ_ij S^k_ij − (y(x) − y(x')): shrinks as m grows for a layer all information flows through. */
  completenessDelta: number;
  /** Σ_k Σ_ij S^k_ij. */
  integral: number;
}

export interface RsiGradCamResult {
  target: number;
  scoreInput: number;
  scoreBaseline: number;
  maps: RsiCamMap[];
  steps: number;
  rule: RsiRule;
  weighting: RsiWeighting;
  batchSize: number;
}

interface LayerState {
  /** Running Σ_l g̃_l · ΔA_l per unit, [1, h, w, K] (null before the first batch). */
  S: Tensor | null;
  /** A and g at the last α of the previous batch, [1, h, w, K]. */
  prevA: Tensor | null;
  prevG: Tensor | null;
  /** A(x') and A(x). */
  baselineA: Tensor | null;
  inputA: Tensor | null;
}

/**
 * RSI-Grad-CAM (paper eq. 5–7): Grad-CAM whose channel weights integrate the gradients against
 * the activations' increments along the path from the baseline, so that a layer every path goes
 * through sums to about y^c(x) − y^c(x′); several layers from one pass along the path.
 */
export async function rsiGradCam(model: LayeredModel, x: Tensor, opts: RsiGradCamOptions): Promise<RsiGradCamResult> {
  const want = [1, ...model.inputShape];
  const baseline = requireBaseline('rsiGradCam', opts);
  for (const [what, t] of [['input', x], ['baseline', baseline]] as const) {
    if (t.rank !== 4 || t.shape.some((d, i) => d !== want[i])) {
      throw new Error(`rsiGradCam: the ${what} must have shape ${formatShape(want)} (model ${model.name}), got ${formatShape(t.shape)}`);
    }
  }
  await checkFiniteTensor(x, 'rsiGradCam: the input');
  await checkFiniteTensor(baseline, 'rsiGradCam: the baseline');
  const layers = [...new Set(opts.layers ?? [defaultCamLayer(model)])];
  checkLayers(model, layers);
  const score = opts.score ?? 'probability';
  checkScore(model, score);
  const steps = opts.steps ?? 50;
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`rsiGradCam: steps must be a positive integer, got ${steps}`);
  const rule = opts.rule ?? 'right';
  if (rule !== 'right' && rule !== 'trapezoid') throw new Error(`rsiGradCam: rule must be 'right' or 'trapezoid', got '${String(rule)}'`);
  const weighting = opts.weighting ?? 'paper';
  if (weighting !== 'paper' && weighting !== 'guided') throw new Error(`rsiGradCam: weighting must be 'paper' or 'guided', got '${String(weighting)}'`);
  const target = opts.target ?? argmax(await readAndDispose(scope(() => model.run(x).output)));
  checkTarget(model, target);

  // α_0 = 0 (the baseline) … α_m = 1 (the input): m + 1 points, one pass over all of them.
  const alphas = Array.from({ length: steps + 1 }, (_, l) => l / steps);
  const batchSize = opts.batchSize ?? autoBatchSize(model, alphas.length);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`rsiGradCam: batchSize must be a positive integer, got ${batchSize}`);
  const diff = keep(scope(() => op.sub(x, opts.baseline)));
  const states = new Map<string, LayerState>();
  for (const l of layers) states.set(l, { S: null, prevA: null, prevG: null, baselineA: null, inputA: null });
  let scoreInput = NaN;
  let scoreBaseline = NaN;
  try {
    for (const [s, e] of chunks(alphas.length, batchSize)) {
      throwIfAborted(opts.signal, 'rsiGradCam');
      const b = e - s;
      const scores = await maybeAutotuned(x.backend, s === 0 ? opts : {}, () => scope(() => {
        const a = fromArray(alphas.slice(s, e), [b, 1, 1, 1], { backend: x.backend, dtype: x.dtype });
        const points = op.add(opts.baseline, op.mul(a, diff));
        const pass = layerPass(model, points, layers, target, score);
        for (const l of layers) {
          const st = states.get(l)!;
          const A = pass.activations.get(l)!;
          const g = pass.gradients.get(l)!;
          const rows = (t: Tensor, i: number, n: number): Tensor => op.slice(t, [i, 0, 0, 0], [n, -1, -1, -1]);
          // Previous point for each row: the carried one (or, at α_0, the row itself, so ΔA_0 = 0).
          const prevA = op.concat([st.prevA ?? rows(A, 0, 1), ...(b > 1 ? [rows(A, 0, b - 1)] : [])], 0);
          const prevG = op.concat([st.prevG ?? rows(g, 0, 1), ...(b > 1 ? [rows(g, 0, b - 1)] : [])], 0);
          const gTilde = rule === 'trapezoid' ? op.mul(op.add(g, prevG), op.scalarLike(g, 0.5)) : g;
          const contribution = op.sum(op.mul(gTilde, op.sub(A, prevA)), 0, { keepDims: true });
          const S = st.S ? op.add(st.S, contribution) : contribution;
          replace(st, 'S', keep(S));
          replace(st, 'prevA', keep(rows(A, b - 1, 1)));
          replace(st, 'prevG', keep(rows(g, b - 1, 1)));
          if (s === 0) st.baselineA = keep(rows(A, 0, 1));
          if (e === alphas.length) st.inputA = keep(rows(A, b - 1, 1));
        }
        return pass.scores;
      }));
      const sv = await readAndDispose(scores);
      if (s === 0) scoreBaseline = sv[0]!;
      if (e === alphas.length) scoreInput = sv[b - 1]!;
      opts.onProgress?.({ phase: 'rsi-grad-cam', done: e, total: alphas.length });
      if (e < alphas.length) await yieldToEventLoop();
    }

    const maps: RsiCamMap[] = [];
    for (const l of layers) {
      const st = states.get(l)!;
      const [h, w] = model.layerShape(l) as [number, number, number];
      const [weights, map, integral] = scope(() => {
        const A = st.inputA!;
        let S = st.S!;
        if (weighting === 'guided') {
          // Keep units with A(x) > 0, S > 0 and A(x) − A(x') > 0.
          const zero = op.scalarLike(S, 0);
          const mask = op.mul(op.mul(op.greater(A, zero), op.greater(S, zero)), op.greater(op.sub(A, st.baselineA!), zero));
          S = op.mul(S, mask);
        }
        const wk = op.mean(S, [1, 2], { keepDims: true });
        return [wk, op.relu(op.sum(op.mul(A, wk), 3)), op.sum(st.S!)].map((t) => keep(t));
      });
      const total = (await readAndDispose(integral!))[0]!;
      maps.push({
        layer: l,
        weights: await readAndDispose(weights!),
        map: await readAndDispose(map!),
        height: h,
        width: w,
        integral: total,
        completenessDelta: total - (scoreInput - scoreBaseline),
      });
    }
    return { target, scoreInput, scoreBaseline, maps, steps, rule, weighting, batchSize };
  } finally {
    diff.dispose();
    for (const st of states.values()) for (const t of [st.S, st.prevA, st.prevG, st.baselineA, st.inputA]) t?.dispose();
  }
}

function replace(st: LayerState, key: 'S' | 'prevA' | 'prevG', t: Tensor): void {
  st[key]?.dispose();
  st[key] = t;
}
