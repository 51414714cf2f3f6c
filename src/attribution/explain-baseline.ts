/**
 * The baseline x' of explain()'s path methods, from what the caller says: a named kind, the
 * optimised baseline of paper eq. 8, pixels, or a ready tensor in the model's input space.
 * The optimised baseline is a choice of baseline rather than a method of its own: it does not
 * depend on the image (it starts from black and aims at the uniform output), and IG or
 * RSI-Grad-CAM then use it like any other.
 */
import type { LayeredModel } from '../models/sequential.js';
import { preprocess, unpreprocessValues } from '../models/preprocessing.js';
import { fromArray } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { blackBaseline, blurBaseline, checkBaseline, uniformBaseline, type BaselineKind, type PixelImage } from './baselines.js';
import type { BaselineOptimization } from './explanation.js';
import { optimizeBaseline, type OptimizeBaselineOptions } from './optimize-baseline.js';
import type { TunableRunOptions } from './autotune.js';

/**
 * 'black' (default), 'uniform' (noise, seed 0), 'blur' (the input blurred with σ = max(H, W)/20),
 * 'optimized' (paper eq. 8), pixels on the 0–255 scale, or a tensor [1, H, W, C] already in the
 * model's input space (the caller keeps ownership).
 */
export type BaselineSpec = BaselineKind | 'optimized' | PixelImage | Tensor;

/** Settings of the optimised baseline; progress, cancellation and autotuning come from explain's options. */
export type BaselineOptimizationOptions = Omit<OptimizeBaselineOptions, keyof TunableRunOptions>;

export interface ResolvedBaseline {
  tensor: Tensor;
  /** Whether explain made the tensor (and so disposes it). */
  owned: boolean;
  /** How result.parameters names it. */
  name: string;
  optimization?: BaselineOptimization;
}

export async function resolveExplainBaseline(
  model: LayeredModel,
  x: Tensor,
  spec: BaselineSpec,
  opts: { optimize?: BaselineOptimizationOptions; name?: string; run: TunableRunOptions; allowNonFinite?: boolean },
): Promise<ResolvedBaseline> {
  const [H, W, C] = model.inputShape;
  if (isTensor(spec)) return { tensor: spec, owned: false, name: opts.name ?? 'tensor' };
  const fromPixels = (p: PixelImage): Tensor => {
    const raw = fromArray(p.data, [1, H, W, C], { backend: x.backend, dtype: x.dtype });
    try {
      return preprocess(model.preprocessing, raw);
    } finally {
      raw.dispose();
    }
  };
  if (typeof spec === 'object') {
    checkBaseline(spec, H, W, C, 'explain: baseline');
    return { tensor: fromPixels(spec), owned: true, name: opts.name ?? 'pixels' };
  }
  const name = opts.name ?? spec;
  switch (spec) {
    case 'black':
      return { tensor: fromPixels(blackBaseline(H, W, C)), owned: true, name };
    case 'uniform':
      return { tensor: fromPixels(uniformBaseline(H, W, C, 0)), owned: true, name };
    case 'blur': {
      const values = await x.data();
      const pixels = unpreprocessValues(model.preprocessing, values instanceof Float32Array ? values : Float32Array.from(values), C);
      return { tensor: fromPixels(blurBaseline({ height: H, width: W, channels: C, data: pixels }, Math.max(H, W) / 20)), owned: true, name };
    }
    case 'optimized': {
      // explain's allowNonFinite covers the optimisation's statistics too, unless its settings say otherwise.
      const r = await optimizeBaseline(model, { ...opts.optimize, allowNonFinite: opts.optimize?.allowNonFinite ?? opts.allowNonFinite, ...opts.run });
      return { tensor: fromPixels(r.baseline), owned: true, name, optimization: { settings: r.settings, before: r.before, after: r.after } };
    }
    default:
      throw new Error(`explain: baseline must be 'black', 'uniform', 'blur', 'optimized', pixels or a tensor, got '${String(spec)}'`);
  }
}

function isTensor(v: unknown): v is Tensor {
  // Structural: a Tensor has a backend and a shape; a PixelImage has neither.
  return typeof v === 'object' && v !== null && 'backend' in v && 'shape' in v && typeof (v as Tensor).dispose === 'function';
}
