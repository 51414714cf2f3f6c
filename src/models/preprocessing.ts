/**
 * Turning RGB pixels (0–255, NHWC) into model inputs, and back. Every preprocessing here is a
 * per-channel affine map after an optional channel reversal, so it is differentiable and
 * invertible (baselines are given and saved in pixel space).
 */
import * as op from '../autograd/ops.js';
import { tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';

export interface Preprocessing {
  /** 'caffe' (Keras VGG: RGB→BGR, subtract the ImageNet mean), 'scale' (x·scale − offset), 'none'. */
  readonly kind: 'caffe' | 'scale' | 'torch' | 'none';
  /** Channel order of the model input. */
  readonly channelOrder: 'rgb' | 'bgr';
  /** input = (pixel − mean[c]) · scale, in the input's channel order. */
  readonly mean: readonly number[];
  readonly scale: number;
  /** Optional per-channel divisor after scaling (torch's std): input = (pixel − mean[c]) · scale / std[c]. */
  readonly std?: readonly number[];
}

/** The per-channel factor: scale / std[c]. */
function factors(p: Preprocessing, c: number): number[] {
  return Array.from({ length: c }, (_, k) => p.scale / (p.std?.[k] ?? 1));
}

/** Keras "caffe" mode: BGR, minus [103.939, 116.779, 123.68], no scaling. */
export const caffe: Preprocessing = { kind: 'caffe', channelOrder: 'bgr', mean: [103.939, 116.779, 123.68], scale: 1 };
/** Pixels scaled to [0, 1] (the digit model). */
export const unitScale: Preprocessing = { kind: 'scale', channelOrder: 'rgb', mean: [0, 0, 0], scale: 1 / 255 };
export const noPreprocessing: Preprocessing = { kind: 'none', channelOrder: 'rgb', mean: [0, 0, 0], scale: 1 };

/** pixels [N, H, W, C] (RGB or gray, 0–255) → model input; differentiable. */
export function preprocess(p: Preprocessing, pixels: Tensor): Tensor {
  const c = pixels.shape[pixels.rank - 1]!;
  let x = pixels;
  if (p.channelOrder === 'bgr' && c === 3) x = reverseChannels(x);
  const mean = tensor(p.mean.slice(0, c), [c], { dtype: x.dtype, backend: x.backend });
  const scale = p.std ? tensor(factors(p, c), [c], { dtype: x.dtype, backend: x.backend }) : op.scalarLike(x, p.scale);
  return op.mul(op.sub(x, mean), scale);
}

/** model input → pixels (RGB, 0–255 scale, not clamped). */
export function unpreprocess(p: Preprocessing, input: Tensor): Tensor {
  const c = input.shape[input.rank - 1]!;
  const mean = tensor(p.mean.slice(0, c), [c], { dtype: input.dtype, backend: input.backend });
  const scale = p.std ? tensor(factors(p, c), [c], { dtype: input.dtype, backend: input.backend }) : op.scalarLike(input, p.scale);
  let x = op.add(op.div(input, scale), mean);
  if (p.channelOrder === 'bgr' && c === 3) x = reverseChannels(x);
  return x;
}

/** Plain-array forms for code that works on read-back values (e.g. saving a baseline). */
export function preprocessValues(p: Preprocessing, pixels: Float32Array, channels: number): Float32Array {
  const out = new Float32Array(pixels.length);
  const f = factors(p, channels);
  for (let i = 0; i < pixels.length; i += channels) {
    for (let k = 0; k < channels; k++) {
      const src = p.channelOrder === 'bgr' && channels === 3 ? 2 - k : k;
      out[i + k] = (pixels[i + src]! - p.mean[k]!) * f[k]!;
    }
  }
  return out;
}

export function unpreprocessValues(p: Preprocessing, input: Float32Array, channels: number): Float32Array {
  const out = new Float32Array(input.length);
  const f = factors(p, channels);
  for (let i = 0; i < input.length; i += channels) {
    for (let k = 0; k < channels; k++) {
      const dst = p.channelOrder === 'bgr' && channels === 3 ? 2 - k : k;
      out[i + dst] = input[i + k]! / f[k]! + p.mean[k]!;
    }
  }
  return out;
}

function reverseChannels(x: Tensor): Tensor {
  const r = x.rank;
  const parts = op.split(x, [1, 1, 1], r - 1);
  return op.concat([parts[2]!, parts[1]!, parts[0]!], r - 1);
}
