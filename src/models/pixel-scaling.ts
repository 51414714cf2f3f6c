/**
 * Pixel scaling rules by name (--preprocess, or `preprocess` in the library) and the `auto`
 * resolution: the recognised family's rule (VGG19 → caffe; keras.applications families by their
 * layer names: src/models/applications/), else a Rescaling/Normalization layer
 * inside the model (then none outside it), else the file's stieltjes_preprocessing attribute, else
 * none, saying so. Browser-safe.
 */
import { caffe, noPreprocessing, unitScale, type Preprocessing } from './preprocessing.js';
import { recogniseFamily } from './applications/index.js';

import type { PixelScaling, PixelScalingChoice } from './pixel-scaling-names.js';

export { PIXEL_SCALINGS, type PixelScaling, type PixelScalingChoice } from './pixel-scaling-names.js';

/** x/127.5 − 1. */
export const symmetricScale: Preprocessing = { kind: 'scale', channelOrder: 'rgb', mean: [127.5, 127.5, 127.5], scale: 1 / 127.5 };
/** x/255, minus the ImageNet mean [0.485, 0.456, 0.406], divided by std [0.229, 0.224, 0.225]. */
export const torchScale: Preprocessing = {
  kind: 'torch',
  channelOrder: 'rgb',
  mean: [0.485 * 255, 0.456 * 255, 0.406 * 255],
  scale: 1 / 255,
  std: [0.229, 0.224, 0.225],
};

/** The Preprocessing of each named rule. */
export function pixelScaling(rule: PixelScaling): Preprocessing {
  switch (rule) {
    case 'none':
      return noPreprocessing;
    case 'unit':
      return unitScale;
    case 'symmetric':
      return symmetricScale;
    case 'caffe':
      return caffe;
    case 'torch':
      return torchScale;
  }
}

/** Our file attribute's names for the rules ('unit-scale' is the digit model's). */
const MARKERS: Record<string, PixelScaling> = { 'unit-scale': 'unit', unit: 'unit', symmetric: 'symmetric', caffe: 'caffe', torch: 'torch', none: 'none' };

/** What `auto` looks at: the model's name and its layers' kinds, and the file's attribute. */
export interface PixelScalingEvidence {
  modelName: string;
  layers: readonly { name: string; kind: string }[];
  /** The file's root attribute stieltjes_preprocessing, if any. */
  marker?: string;
}

export interface ResolvedPixelScaling {
  rule: PixelScaling;
  preprocessing: Preprocessing;
  /** Why, in words ("--preprocess unit", "VGG19 family", ...). */
  reason: string;
  /** True when auto found nothing and fell back to none (worth a notice). */
  fallback: boolean;
}

export function resolvePixelScaling(choice: PixelScalingChoice, evidence: PixelScalingEvidence): ResolvedPixelScaling {
  const make = (rule: PixelScaling, reason: string, fallback = false): ResolvedPixelScaling => ({ rule, preprocessing: pixelScaling(rule), reason, fallback });
  if (choice !== 'auto') return make(choice, `chosen: --preprocess ${choice}`);
  if (/^vgg19/i.test(evidence.modelName)) return make('caffe', 'auto: VGG19 family → caffe');
  const family = recogniseFamily(evidence.layers.map((l) => l.name));
  if (family) {
    const inside = family.rule === 'none' ? ' (its preprocessing is inside the model)' : '';
    return make(family.rule, `auto: keras.applications ${family.family} family (recognised by its layer names) → ${family.rule}${inside}`);
  }
  const inside = evidence.layers.find((l) => l.kind === 'rescaling' || l.kind === 'normalization');
  if (inside) return make('none', `auto: ${inside.kind === 'rescaling' ? 'Rescaling' : 'Normalization'} layer '${inside.name}' inside the model → none outside`);
  if (evidence.marker !== undefined) {
    const rule = MARKERS[evidence.marker];
    if (rule === undefined) throw new Error(`unknown stieltjes_preprocessing '${evidence.marker}' (expected ${Object.keys(MARKERS).join(', ')})`);
    return make(rule, `auto: the file's stieltjes_preprocessing attribute '${evidence.marker}'`);
  }
  return make('none', 'auto: no known family, no Rescaling/Normalization layer and no stieltjes_preprocessing attribute → none (pixels 0–255 as they are; choose with --preprocess)', true);
}

/** The warnings a result calls for: a saturated top probability, an all-zero map. */
export function saturationWarning(topProbability: number): string | undefined {
  if (!(topProbability >= 1 - 1e-6)) return undefined;
  return `the top probability is ${topProbability} (saturated, ≥ 1 − 1e-6): the pixel scaling likely does not match the model's training; try another --preprocess (none|unit|symmetric|caffe|torch)`;
}

/**
 * The saturation warning for a model output, when it is a probability distribution (entries in
 * [0, 1] summing to 1 within 1e-3; logits are not judged).
 */
export function outputSaturationWarning(output: ArrayLike<number>): string | undefined {
  let sum = 0;
  let max = -Infinity;
  for (let i = 0; i < output.length; i++) {
    const v = output[i]!;
    if (!(v >= 0 && v <= 1)) return undefined;
    sum += v;
    if (v > max) max = v;
  }
  return Math.abs(sum - 1) <= 1e-3 ? saturationWarning(max) : undefined;
}

export function zeroMapWarning(what: string, values: ArrayLike<number>): string | undefined {
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) return undefined;
  return `${what} is all zero: a saturated softmax or a pixel scaling that does not match the model is the likely cause; try another --preprocess or --score logit`;
}
