/**
 * VGG19 (keras.applications topology) built from a weight file: 16 3×3 'same' ReLU convolutions
 * in five blocks with 2×2 max pools, then flatten → fc1 → fc2 → predictions (softmax), or no top.
 * Channel widths come from the file, so width-scaled variants (the synthetic test files) load too.
 */
import type { Backend } from '../kernels/backend.js';
import type { DType } from '../tensor/dtype.js';
import { getBackend } from '../tensor/engine.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { Conv2DLayer, DenseLayer, FlattenLayer, Pool2DLayer, type Layer } from './layers.js';
import { caffe } from './preprocessing.js';
import { SequentialModel } from './sequential.js';
import { uploadWeight } from './upload-weight.js';
import type { WeightArray, WeightLayer } from './weights-source.js';

/** Convolutions per block. */
const BLOCKS = [2, 2, 4, 4, 4];
export const VGG19_CONV_LAYERS: readonly string[] = BLOCKS.flatMap((n, b) => Array.from({ length: n }, (_, i) => `block${b + 1}_conv${i + 1}`));
export const VGG19_DENSE_LAYERS: readonly string[] = ['fc1', 'fc2', 'predictions'];
export const VGG19_LAYERS: readonly string[] = [
  ...BLOCKS.flatMap((n, b) => [...Array.from({ length: n }, (_, i) => `block${b + 1}_conv${i + 1}`), `block${b + 1}_pool`]),
  'flatten',
  ...VGG19_DENSE_LAYERS,
];

export interface Vgg19Options {
  backend?: Backend;
  /** float32 (default) or float64 (CPU only: gradient checks). */
  dtype?: DType;
  /** Input size (default 224×224; without the top any size ≥ 32 works). */
  inputSize?: [number, number];
}

/**
 * Builds VGG19 from the weighted layers of a file, in order. Layers are matched by name when the
 * file uses Keras names, otherwise by order (Keras 3 names groups by class: conv2d, conv2d_1, …).
 */
export function buildVgg19(layers: readonly WeightLayer[], opts: Vgg19Options = {}): SequentialModel {
  const backend = opts.backend ?? getBackend();
  const weighted = layers.filter((l) => l.weights.length > 0);
  const convs = pickLayers(weighted, VGG19_CONV_LAYERS, (l) => l.weights[0]!.shape.length === 4);
  const denses = pickLayers(weighted, VGG19_DENSE_LAYERS, (l) => l.weights[0]!.shape.length === 2);
  if (convs.length !== 16) {
    throw new Error(`VGG19 needs 16 convolution layers; the file has ${convs.length} (${weighted.map((l) => l.name).join(', ') || 'no weighted layers'})`);
  }
  if (denses.length !== 0 && denses.length !== 3) {
    throw new Error(`VGG19 has 3 dense layers (fc1, fc2, predictions) or none (no top); the file has ${denses.length}`);
  }
  const upload = (w: WeightArray): Tensor => uploadWeight(w, backend, opts.dtype);
  const [inH, inW] = opts.inputSize ?? [224, 224];
  const out: Layer[] = [];
  let cin = 3;
  let k = 0;
  let h = inH;
  let w = inW;
  BLOCKS.forEach((n, b) => {
    for (let i = 0; i < n; i++, k++) {
      const name = VGG19_CONV_LAYERS[k]!;
      const src = convs[k]!;
      const [kernel, bias] = src.weights;
      if (!kernel || kernel.shape.length !== 4 || kernel.shape[0] !== 3 || kernel.shape[1] !== 3 || kernel.shape[2] !== cin) {
        throw new Error(`layer ${name} (file layer ${src.name}): kernel ${formatShape(kernel?.shape ?? [])} does not fit VGG19: expected [3, 3, ${cin}, Cout]`);
      }
      const cout = kernel.shape[3]!;
      if (bias && (bias.shape.length !== 1 || bias.shape[0] !== cout)) {
        throw new Error(`layer ${name} (file layer ${src.name}): bias ${formatShape(bias.shape)} does not fit kernel ${formatShape(kernel.shape)}: expected [${cout}]`);
      }
      out.push(new Conv2DLayer(name, upload(kernel), bias ? upload(bias) : null, { padding: 'same', activation: 'relu' }));
      cin = cout;
    }
    out.push(new Pool2DLayer(`block${b + 1}_pool`, 'maxPool2d', { window: 2, strides: 2, padding: 'valid' }));
    h = Math.floor(h / 2);
    w = Math.floor(w / 2);
  });
  if (denses.length === 3) {
    out.push(new FlattenLayer('flatten', 'hwc'));
    let fin = h * w * cin;
    denses.forEach((src, i) => {
      const name = VGG19_DENSE_LAYERS[i]!;
      const [kernel, bias] = src.weights;
      if (!kernel || kernel.shape[0] !== fin) {
        throw new Error(
          `layer ${name} (file layer ${src.name}): kernel ${formatShape(kernel?.shape ?? [])} does not fit VGG19 at input ${inH}×${inW}: expected [${fin}, units]`,
        );
      }
      const units = kernel.shape[1]!;
      if (bias && bias.shape[0] !== units) {
        throw new Error(`layer ${name} (file layer ${src.name}): bias ${formatShape(bias.shape)} does not fit kernel ${formatShape(kernel.shape)}`);
      }
      out.push(new DenseLayer(name, upload(kernel), bias ? upload(bias) : null, i === 2 ? 'softmax' : 'relu'));
      fin = units;
    });
  }
  return new SequentialModel(denses.length ? 'vgg19' : 'vgg19-notop', out, [inH, inW, 3], caffe);
}

function pickLayers(weighted: readonly WeightLayer[], names: readonly string[], isKind: (l: WeightLayer) => boolean): WeightLayer[] {
  const byName = names.map((n) => weighted.find((l) => l.name === n));
  if (byName.every((l) => l)) return byName as WeightLayer[];
  if (byName.some((l) => l)) {
    const missing = names.filter((_, i) => !byName[i]);
    throw new Error(`the file names some VGG19 layers but lacks ${missing.join(', ')}`);
  }
  return weighted.filter(isKind);
}
