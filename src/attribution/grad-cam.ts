/**
 * Grad-CAM (paper eq. 4 and 7): w_k = (1/Z) Σ_ij ∂y^c/∂A^k_ij at the input, L^c = ReLU(Σ_k w_k A^k).
 * Several layers come from one forward/backward pass.
 */
import * as op from '../autograd/ops.js';
import type { LayeredModel } from '../models/sequential.js';
import { keep, scope } from '../tensor/scope.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkLayers, layerPass } from './layer-pass.js';
import { checkFiniteTensor } from './finite.js';
import { readAndDispose } from './read.js';
import { argmax, checkScore, checkTarget, type ScoreKind } from './score.js';

export interface CamOptions {
  /** Layers to explain (default: the last spatial layer). */
  layers?: readonly string[];
  target?: number;
  score?: ScoreKind;
}

export interface CamMap {
  layer: string;
  /** The raw map L^c [h, w] at the layer's resolution, after ReLU, before normalisation. */
  map: Float32Array;
  height: number;
  width: number;
  /** Channel weights w_k. */
  weights: Float32Array;
}

export interface GradCamResult {
  target: number;
  scoreInput: number;
  maps: CamMap[];
}

/** Layers that end the spatial part of a classifier. */
const HEAD_KINDS = new Set(['globalAveragePool', 'globalMaxPool', 'flatten']);
/** Layers that only move values (padding, cropping, identities at inference). */
const PASS_THROUGH = new Set(['zeroPadding2d', 'cropping2d', 'Dropout', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout']);

/** Merges whose output, read by the final pooling, is the last feature map (branches, hard-swish, a residual sum). */
const FEATURE_MAP_MERGES = new Set(['concatenate', 'multiply', 'add', 'tfOpLambda', 'kerasOp']);

/** Layer kinds that are a convolution or the activation that follows one. */
const CONV_OR_ACTIVATION = new Set(['conv2d', 'activation', 'relu', 'leakyRelu', 'prelu', 'elu']);

/**
 * The usual Grad-CAM layer: on a graph, the spatial layer the last global pooling or flatten
 * reads (unless that is a pool); else the last convolution (or its activation) with a spatial
 * output, chosen by kind where the model says its layers' kinds, else by name (not a pool).
 */
export function defaultCamLayer(model: LayeredModel): string {
  const spatial = model.layerNames.filter((n) => model.layerShape(n).length === 3);
  // On a graph, the layer the last global pooling (or flatten) reads when it is a convolution, its
  // activation or a concatenation of branches: InceptionV3's mixed10, not the last activation
  // inside one of its branches. A pool there (VGG's block5_pool) falls back to the rule below.
  const inputsOf = (model as { inputsOfLayer?: (n: string) => readonly string[] }).inputsOfLayer?.bind(model);
  if (model.layerKind && inputsOf) {
    const heads = model.layerNames.filter((n) => HEAD_KINDS.has(model.layerKind!(n)));
    for (let i = heads.length - 1; i >= 0; i--) {
      let fed = inputsOf(heads[i]!);
      // Padding and inference-time identities between them change nothing worth explaining.
      while (fed.length === 1 && spatial.includes(fed[0]!) && PASS_THROUGH.has(model.layerKind(fed[0]!))) fed = inputsOf(fed[0]!);
      const pick = fed.length === 1 && spatial.includes(fed[0]!) ? fed[0]! : undefined;
      // A 1×1 map (a convolutional classifier's logits before its flatten: MobileNetV3) has nothing
      // to localise: the head before it (the global pooling of the last feature map) decides.
      const [h, w] = pick ? model.layerShape(pick) : [0, 0];
      if (pick && h! * w! === 1 && i > 0) continue;
      // Keras's hard-swish (MobileNetV3) is a Multiply of x and hard_sigmoid(x): an activation; a
      // residual sum the pooling reads directly (ConvNeXt's last block, a TFOpLambda add in tf.keras 2, an Add operation in Keras 3)
      // is the last feature map.
      if (pick && (CONV_OR_ACTIVATION.has(model.layerKind(pick)) || FEATURE_MAP_MERGES.has(model.layerKind(pick)))) return pick;
      break;
    }
  }
  const convs = model.layerKind ? spatial.filter((n) => CONV_OR_ACTIVATION.has(model.layerKind!(n))) : spatial.filter((n) => !/pool/i.test(n));
  const pick = convs.at(-1) ?? spatial.at(-1);
  if (!pick) throw new Error(`model ${model.name} has no layer with a spatial output`);
  return pick;
}

/**
 * Grad-CAM (paper eq. 4 and 7) at each requested layer: ReLU(Σ_k w_k A^k) with w_k the spatial
 * mean of ∂y^c/∂A^k at the input; one forward and one backward pass for all layers.
 */
export async function gradCam(model: LayeredModel, x: Tensor, opts: CamOptions = {}): Promise<GradCamResult> {
  if (x.rank !== 4 || x.shape[0] !== 1) throw new Error(`gradCam: input must be one example [1, H, W, C], got ${formatShape(x.shape)}`);
  await checkFiniteTensor(x, 'gradCam: the input');
  const layers = opts.layers ?? [defaultCamLayer(model)];
  checkLayers(model, layers);
  const score = opts.score ?? 'probability';
  checkScore(model, score);
  const target = opts.target ?? argmax(await readAndDispose(scope(() => model.run(x).output)));
  checkTarget(model, target);
  const out = scope(() => {
    const pass = layerPass(model, x, layers, target, score);
    const result: Tensor[] = [pass.scores];
    for (const l of layers) {
      const a = pass.activations.get(l)!;
      const g = pass.gradients.get(l)!;
      const w = op.mean(g, [1, 2], { keepDims: true }); // [1, 1, 1, K]
      result.push(w, op.relu(op.sum(op.mul(a, w), 3)));
    }
    return result.map((t) => keep(t));
  });
  const scores = await readAndDispose(out[0]!);
  const maps: CamMap[] = [];
  for (const [i, l] of layers.entries()) {
    const [h, w] = model.layerShape(l) as [number, number, number];
    maps.push({ layer: l, weights: await readAndDispose(out[1 + 2 * i]!), map: await readAndDispose(out[2 + 2 * i]!), height: h, width: w });
  }
  return { target, scoreInput: scores[0]!, maps };
}
