/**
 * One run of the page: the library's explain() with the settings of the form, then what the page
 * adds around it (the IG convergence plot: the completeness delta at fewer steps; deletion and
 * insertion curves for each map). No DOM here: main.ts shows what this returns.
 */
import { deletionInsertion, explain, igMap, pixelsToInput, upsampleMap } from '../src/index.js';
import type { DeletionInsertion, ExplainOptions, Explanation, LayeredModel, Progress, QuadratureRule, Tensor } from '../src/index.js';

export const PAGE_METHODS = ['integrated-gradients', 'grad-cam', 'rsi-grad-cam', 'optimized-baseline'] as const;
export type PageMethod = (typeof PAGE_METHODS)[number];
/** What the Method control offers: a method, or 'compare' (IG, Grad-CAM and RSI-Grad-CAM side by side). */
export type MethodChoice = PageMethod | 'compare';
export const METHOD_NAMES: Record<PageMethod, string> = {
  'integrated-gradients': 'Integrated Gradients',
  'grad-cam': 'Grad-CAM',
  'rsi-grad-cam': 'RSI-Grad-CAM',
  'optimized-baseline': 'IG with an optimised baseline',
};

export interface RunSettings {
  method: PageMethod;
  /** CAM layers (ignored by IG). */
  layers: string[];
  steps: number;
  rule: QuadratureRule;
  baseline: 'black' | 'uniform' | 'blur';
  /** Class to explain; default the top class. */
  target?: number;
  /** Optimisation iterations for the optimised baseline. */
  iterations: number;
  /** IG: also run at fewer steps for the convergence plot. */
  convergence: boolean;
  /** Deletion and insertion curves, with this many steps (0: none). */
  curveSteps: number;
  /** Interpolated inputs per batch; undefined: as memory allows. */
  batchSize?: number;
}

export interface RunOutput {
  explanation: Explanation;
  /** IG: |completeness delta| at each step count tried (the run's own last). */
  convergence?: { steps: number[]; deltas: number[] };
  /** Per map, in the order of explanation.maps. */
  curves?: DeletionInsertion[];
  /** Milliseconds of what the page adds (explain's own are in explanation.timings). */
  timings: Record<string, number>;
}

export interface RunControl {
  signal: AbortSignal;
  onProgress: (p: Progress, stage: string) => void;
}

function optionsFor(s: RunSettings, steps: number, ctl: RunControl, stage: string): ExplainOptions {
  const common = { target: s.target, signal: ctl.signal, onProgress: (p: Progress) => ctl.onProgress(p, stage), batchSize: s.batchSize };
  switch (s.method) {
    case 'integrated-gradients':
      return { method: 'integrated-gradients', ...common, steps, rule: s.rule, baseline: s.baseline };
    case 'optimized-baseline':
      return { method: 'integrated-gradients', ...common, steps, rule: s.rule, baseline: 'optimized', optimizeBaseline: { iterations: s.iterations } };
    case 'grad-cam':
      return { method: 'grad-cam', target: s.target, signal: ctl.signal, layers: s.layers };
    case 'rsi-grad-cam':
      if (s.rule !== 'right' && s.rule !== 'trapezoid') throw new Error(`RSI-Grad-CAM integrates with the right or trapezoid rule, not ${s.rule}`);
      return { method: 'rsi-grad-cam', ...common, steps, rule: s.rule, baseline: s.baseline, layers: s.layers };
  }
}

/** Step counts below m for the convergence plot: m/8, m/4, m/2 (distinct, at least 1). */
export function convergenceSteps(m: number): number[] {
  return [...new Set([8, 4, 2].map((d) => Math.max(1, Math.floor(m / d))))].filter((k) => k < m);
}

export async function runExplanation(model: LayeredModel, input: Tensor, s: RunSettings, ctl: RunControl): Promise<RunOutput> {
  const explanation = await explain(model, input, optionsFor(s, s.steps, ctl, 'explain'));
  const timings: Record<string, number> = {};
  const out: RunOutput = { explanation, timings };
  // The same class at fewer steps: the plot shows how fast the delta falls.
  if (s.convergence && s.method === 'integrated-gradients') {
    const t = performance.now();
    const fixed = { ...s, target: explanation.target.index };
    const steps: number[] = [];
    const deltas: number[] = [];
    for (const k of convergenceSteps(s.steps)) {
      const e = await explain(model, input, optionsFor(fixed, k, ctl, `convergence, ${k} steps`));
      steps.push(k);
      deltas.push(Math.abs(e.maps[0]!.completeness!.delta));
    }
    steps.push(s.steps);
    deltas.push(Math.abs(explanation.maps[0]!.completeness!.delta));
    out.convergence = { steps, deltas };
    timings.convergence = performance.now() - t;
  }
  if (s.curveSteps > 0) {
    const t = performance.now();
    const [H, W, C] = model.inputShape;
    const black = pixelsToInput(model, new Float32Array(H * W * C));
    try {
      out.curves = [];
      for (const m of explanation.maps) {
        const saliency = m.shape.length === 3 ? igMap(m.data, m.shape, 'abs') : upsampleMap(m.data, m.shape[0]!, m.shape[1]!, H, W);
        ctl.onProgress({ phase: 'deletion/insertion', done: out.curves.length, total: explanation.maps.length }, 'curves');
        out.curves.push(await deletionInsertion(model, input, saliency, { target: explanation.target.index, steps: s.curveSteps, deletionBaseline: black, signal: ctl.signal, batchSize: s.batchSize }));
      }
    } finally {
      black.dispose();
    }
    timings.curves = performance.now() - t;
  }
  return out;
}
