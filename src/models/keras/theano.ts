/**
 * Keras 1 files trained with the Theano backend (`dim_ordering='th'`) store conv kernels as
 * (Cout, Cin, kh, kw) and spatially flipped (Theano computes a true convolution), and their
 * Flatten runs in (c, h, w) order. This file detects such files and converts their weights to
 * the TensorFlow conventions the rest of stieltjes uses: HWIO cross-correlation kernels and
 * (h, w, c) flatten order.
 */
import { KerasFormatError } from './errors.js';
import type { KerasLayerWeights, KerasWeight, KerasWeights } from './types.js';

export type KernelConvention = 'theano' | 'tensorflow' | 'unknown';

/**
 * Infers the conv-kernel convention of Keras 1 weights that do not record their backend.
 * The bias length equals the output channel count, which sits first in a Theano kernel and
 * last in a TensorFlow one; when that is ambiguous (Cout == kh), the variable names decide:
 * TensorFlow names end in `:0` (`block1_conv1_W_1:0`), Theano names do not (`..._W`).
 */
export function detectKernelConvention(layers: readonly KerasLayerWeights[]): KernelConvention {
  let theano = 0;
  let tensorflow = 0;
  let kernels = 0;
  let tfNames = 0;
  for (const layer of layers) {
    const kernel = layer.weights.find((w) => w.shape.length === 4);
    if (!kernel) continue;
    kernels++;
    if (kernel.name.endsWith(':0')) tfNames++;
    const bias = layer.weights.find((w) => w.shape.length === 1);
    if (!bias) continue;
    const n = bias.shape[0];
    const [first, , , last] = kernel.shape;
    if (n === first && n !== last) theano++;
    else if (n === last && n !== first) tensorflow++;
  }
  if (theano > tensorflow) return 'theano';
  if (tensorflow > theano) return 'tensorflow';
  if (kernels === 0) return 'unknown';
  return tfNames === 0 ? 'theano' : 'tensorflow';
}

/** (Cout, Cin, kh, kw) flipped -> (kh, kw, Cin, Cout) for cross-correlation (HWIO). */
export function theanoKernelToHwio(data: Float32Array, shape: readonly number[]): { data: Float32Array; shape: number[] } {
  if (shape.length !== 4) throw new KerasFormatError(`theanoKernelToHwio: expected a 4-D kernel, got shape [${shape.join(', ')}]`);
  const [cout, cin, kh, kw] = shape as [number, number, number, number];
  if (data.length !== cout * cin * kh * kw) {
    throw new KerasFormatError(`theanoKernelToHwio: ${data.length} values do not fill shape [${shape.join(', ')}]`);
  }
  const out = new Float32Array(data.length);
  for (let o = 0; o < cout; o++) {
    for (let i = 0; i < cin; i++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) {
          // Flip both spatial axes: Theano's convolution == cross-correlation with the flipped kernel.
          const src = ((o * cin + i) * kh + (kh - 1 - y)) * kw + (kw - 1 - x);
          out[((y * kw + x) * cin + i) * cout + o] = data[src]!;
        }
      }
    }
  }
  return { data: out, shape: [kh, kw, cin, cout] };
}

/**
 * Reorders the rows of a Dense kernel (in, out) that follows a channels-first Flatten, row
 * (c·H + h)·W + w, into channels-last order, row (h·W + w)·C + c.
 */
export function channelsFirstDenseToChannelsLast(
  data: Float32Array,
  shape: readonly number[],
  chw: readonly [number, number, number],
): { data: Float32Array; shape: number[] } {
  const [c, h, w] = chw;
  if (shape.length !== 2 || shape[0] !== c * h * w) {
    throw new KerasFormatError(
      `channelsFirstDenseToChannelsLast: kernel shape [${shape.join(', ')}] does not start with ${c}·${h}·${w} = ${c * h * w} rows`,
    );
  }
  const cols = shape[1]!;
  const out = new Float32Array(data.length);
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const src = ((ch * h + y) * w + x) * cols;
        const dst = ((y * w + x) * c + ch) * cols;
        out.set(data.subarray(src, src + cols), dst);
      }
    }
  }
  return { data: out, shape: [shape[0]!, cols] };
}

export interface TheanoConversionOptions {
  /**
   * The Dense layer right after the Flatten, with the (channels, height, width) of the tensor
   * being flattened: its kernel rows are reordered. The shape is not in the weight file.
   */
  readonly denseAfterFlatten?: { readonly layer: string; readonly chw: readonly [number, number, number] };
}

/**
 * Keras 1 Theano weights converted to TensorFlow conventions (HWIO, unflipped kernels;
 * channels-last flatten). The result has generation `keras1` and no `backend`: its weights no
 * longer follow Theano's. Converted tensors are new arrays; others are shared.
 */
export function convertTheanoWeights(weights: KerasWeights, options: TheanoConversionOptions = {}): KerasWeights {
  if (weights.generation !== 'keras1-theano') {
    throw new KerasFormatError(`convertTheanoWeights: expected keras1-theano weights, got ${weights.generation}`);
  }
  const target = options.denseAfterFlatten;
  if (target && !weights.layers.some((l) => l.name === target.layer)) {
    throw new KerasFormatError(`convertTheanoWeights: no layer "${target.layer}"`);
  }
  const layers = weights.layers.map((layer) => ({
    ...layer,
    weights: layer.weights.map((w, i): KerasWeight => {
      if (w.shape.length === 4) return { ...w, ...theanoKernelToHwio(w.data, w.shape) };
      if (target && layer.name === target.layer && i === 0) {
        return { ...w, ...channelsFirstDenseToChannelsLast(w.data, w.shape, target.chw) };
      }
      return w;
    }),
  }));
  const { backend: _dropped, ...rest } = weights;
  return { ...rest, generation: 'keras1', layers };
}
