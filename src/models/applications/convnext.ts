/**
 * tf.keras convnext.py's ConvNeXt (Tiny, Small, Base, Large, XLarge), as tf.keras 2.13 builds it:
 * the prestem Normalization (ImageNet mean and variance in pixel units, in its config: no
 * weights), a stem and three downsampling blocks that are nested Sequentials (Conv2D 4×4/4 then
 * LayerNormalization; LayerNormalization then Conv2D 2×2/2), and blocks of a 7×7 grouped
 * convolution (groups = channels), LayerNormalization (ε 1e-6), Dense 4C, exact gelu, Dense C,
 * LayerScale, a linear Activation (`_identity`: drop_path_rate 0) and the residual `inputs + x`,
 * which Keras 2 records as a TFOpLambda (tf.__operators__.add[_k]). Head: GAP, LayerNormalization,
 * Dense softmax.
 */
import { ConfigBuilder } from './config-builder.js';
import type { ApplicationArchitecture, ArchitectureOptions } from './types.js';

export type ConvNeXtVariant = 'tiny' | 'small' | 'base' | 'large' | 'xlarge';

/** Blocks per stage and widths (convnext.py's MODEL_CONFIGS). */
export const CONVNEXT_VARIANTS: Readonly<Record<ConvNeXtVariant, [number[], number[]]>> = {
  tiny: [[3, 3, 9, 3], [96, 192, 384, 768]],
  small: [[3, 3, 27, 3], [96, 192, 384, 768]],
  base: [[3, 3, 27, 3], [128, 256, 512, 1024]],
  large: [[3, 3, 27, 3], [192, 384, 768, 1536]],
  xlarge: [[3, 3, 27, 3], [256, 512, 1024, 2048]],
};

const LN = { axis: [3], epsilon: 1e-6, center: true, scale: true, beta_initializer: { class_name: 'Zeros', config: {} }, gamma_initializer: { class_name: 'Ones', config: {} } };

export function convNeXtArchitecture(variant: ConvNeXtVariant, opts: ArchitectureOptions = {}): ApplicationArchitecture {
  const [depths, fullDims] = CONVNEXT_VARIANTS[variant];
  const size = opts.inputSize ?? 224;
  const classes = opts.classes ?? 1000;
  const b = new ConfigBuilder('input_1', [size, size, 3], opts.width ?? ((_, f) => f));
  const m = `convnext_${variant}`;
  const conv = (filters: number, k: number, cin: number, extra: Record<string, unknown> = {}) => ({
    filters,
    kernel_size: [k, k],
    strides: [k, k],
    padding: 'valid',
    data_format: 'channels_last',
    dilation_rate: [1, 1],
    groups: 1,
    activation: 'linear',
    use_bias: true,
    ...extra,
    weights: [
      { name: 'kernel:0', shape: [k, k, cin, filters] },
      { name: 'bias:0', shape: [filters] },
    ],
  });
  const ln = (c: number) => [{ name: 'gamma:0', shape: [c] }, { name: 'beta:0', shape: [c] }];
  const mean = [0.485 * 255, 0.456 * 255, 0.406 * 255];
  const variance = [(0.229 * 255) ** 2, (0.224 * 255) ** 2, (0.225 * 255) ** 2];
  let x = b.add('Normalization', `${m}_prestem_normalization`, { axis: [3], mean, variance, invert: false }, ['input_1'], [size, size, 3]);
  for (let i = 0; i < 4; i++) {
    const [h, w, cin] = b.shape(x) as [number, number, number];
    if (i === 0) {
      const c = b.width(`${m}_stem_conv`, fullDims[0]!);
      const { weights, ...config } = conv(c, 4, cin);
      x = b.sequential(`${m}_stem`, x, [
        { cls: 'Conv2D', name: `${m}_stem_conv`, config, weights },
        { cls: 'LayerNormalization', name: `${m}_stem_layernorm`, config: LN, weights: ln(c) },
      ], [Math.floor(h / 4), Math.floor(w / 4), c]);
    } else {
      const c = b.width(`${m}_downsampling_conv_${i - 1}`, fullDims[i]!);
      const { weights, ...config } = conv(c, 2, cin);
      x = b.sequential(`${m}_downsampling_block_${i - 1}`, x, [
        { cls: 'LayerNormalization', name: `${m}_downsampling_layernorm_${i - 1}`, config: LN, weights: ln(cin) },
        { cls: 'Conv2D', name: `${m}_downsampling_conv_${i - 1}`, config, weights },
      ], [Math.floor(h / 2), Math.floor(w / 2), c]);
    }
    const c = b.shape(x).at(-1)!;
    for (let j = 0; j < depths[i]!; j++) {
      const p = `${m}_stage_${i}_block_${j}`;
      let y = b.conv(`${p}_depthwise_conv`, x, c, 7, { padding: 'same' });
      // A grouped convolution (groups = channels): its kernel is [7, 7, 1, C].
      b.entries.at(-1)!.config.groups = c;
      b.weights.at(-1)!.weights[0]!.shape = [7, 7, 1, c];
      y = b.add('LayerNormalization', `${p}_layernorm`, LN, [y], b.shape(y), ln(c));
      y = b.add('Dense', `${p}_pointwise_conv_1`, { units: 4 * c, activation: 'linear', use_bias: true }, [y], [...b.shape(y).slice(0, -1), 4 * c], [
        { name: 'kernel:0', shape: [c, 4 * c] },
        { name: 'bias:0', shape: [4 * c] },
      ]);
      y = b.act(`${p}_gelu`, y, 'gelu');
      y = b.add('Dense', `${p}_pointwise_conv_2`, { units: c, activation: 'linear', use_bias: true }, [y], [...b.shape(y).slice(0, -1), c], [
        { name: 'kernel:0', shape: [4 * c, c] },
        { name: 'bias:0', shape: [c] },
      ]);
      y = b.add('LayerScale', `${p}_layer_scale`, { init_values: 1e-6, projection_dim: c }, [y], b.shape(y), [{ name: 'gamma:0', shape: [c] }]);
      y = b.act(`${p}_identity`, y, 'linear');
      x = b.tfOp2('__operators__.add', x, y);
    }
  }
  const camLayer = x;
  let out = x;
  if (classes > 0) {
    const c = b.shape(x).at(-1)!;
    let y = b.add('GlobalAveragePooling2D', `${m}_head_gap`, { data_format: 'channels_last', keepdims: false }, [x], [c]);
    y = b.add('LayerNormalization', `${m}_head_layernorm`, { ...LN, axis: [1] }, [y], [c], ln(c));
    out = b.dense(`${m}_head_dense`, y, classes, 'softmax');
  }
  return b.finish('ConvNeXt', opts.name ?? m, out, camLayer);
}
