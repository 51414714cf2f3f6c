/**
 * tf.keras efficientnet_v2.py's EfficientNetV2B0–B3 and S/M/L: fused MBConv stages (one k×k
 * convolution where MBConv has a 1×1 expansion and a depthwise one; with expansion 1 the projection
 * itself is k×k and activated) then MBConv stages with squeeze-excite; batch norms with momentum
 * 0.9; 'same' convolutions throughout (no explicit padding); residuals `add([x, inputs])` behind a
 * Dropout named `drop` whose rate is efficientnet_v2.py's "survival_probability" (0.2 · block
 * index / blocks). include_preprocessing differs by variant, as efficientnet_v2.py decides it from
 * the model name: the B variants get Rescaling 1/255 and a Normalization with the ImageNet
 * statistics in its config (no weights); S, M and L get one Rescaling by 1/128 with offset −1.
 */
import { ConfigBuilder } from './config-builder.js';
import type { ApplicationArchitecture, ArchitectureOptions } from './types.js';

export type EfficientNetV2Variant = 'B0' | 'B1' | 'B2' | 'B3' | 'S' | 'M' | 'L';

/** Width coefficient, depth coefficient, default size (efficientnet_v2.py's EfficientNetV2B0–B3, S, M, L calls). */
export const EFFICIENTNETV2_VARIANTS: Readonly<Record<EfficientNetV2Variant, [number, number, number]>> = {
  B0: [1.0, 1.0, 224],
  B1: [1.0, 1.1, 240],
  B2: [1.1, 1.2, 260],
  B3: [1.2, 1.4, 300],
  S: [1.0, 1.0, 384],
  M: [1.0, 1.0, 480],
  L: [1.0, 1.0, 480],
};

/** One stage of DEFAULT_BLOCKS_ARGS: kernel, repeats, filters in/out, expansion, SE ratio, stride, fused (conv_type 1). */
type Stage = [number, number, number, number, number, number, number, boolean];

/** DEFAULT_BLOCKS_ARGS["efficientnetv2-b0"] (B1–B3 have the same). */
const B_STAGES: Stage[] = [
  [3, 1, 32, 16, 1, 0, 1, true],
  [3, 2, 16, 32, 4, 0, 2, true],
  [3, 2, 32, 48, 4, 0, 2, true],
  [3, 3, 48, 96, 4, 0.25, 2, false],
  [3, 5, 96, 112, 6, 0.25, 1, false],
  [3, 8, 112, 192, 6, 0.25, 2, false],
];

/** DEFAULT_BLOCKS_ARGS for efficientnetv2-s, -m, -l (M and L have a seventh stage). */
const STAGES: Readonly<Record<EfficientNetV2Variant, Stage[]>> = {
  B0: B_STAGES,
  B1: B_STAGES,
  B2: B_STAGES,
  B3: B_STAGES,
  S: [
    [3, 2, 24, 24, 1, 0, 1, true],
    [3, 4, 24, 48, 4, 0, 2, true],
    [3, 4, 48, 64, 4, 0, 2, true],
    [3, 6, 64, 128, 4, 0.25, 2, false],
    [3, 9, 128, 160, 6, 0.25, 1, false],
    [3, 15, 160, 256, 6, 0.25, 2, false],
  ],
  M: [
    [3, 3, 24, 24, 1, 0, 1, true],
    [3, 5, 24, 48, 4, 0, 2, true],
    [3, 5, 48, 80, 4, 0, 2, true],
    [3, 7, 80, 160, 4, 0.25, 2, false],
    [3, 14, 160, 176, 6, 0.25, 1, false],
    [3, 18, 176, 304, 6, 0.25, 2, false],
    [3, 5, 304, 512, 6, 0.25, 1, false],
  ],
  L: [
    [3, 4, 32, 32, 1, 0, 1, true],
    [3, 7, 32, 64, 4, 0, 2, true],
    [3, 7, 64, 96, 4, 0, 2, true],
    [3, 10, 96, 192, 4, 0.25, 2, false],
    [3, 19, 192, 224, 6, 0.25, 1, false],
    [3, 25, 224, 384, 6, 0.25, 2, false],
    [3, 7, 384, 640, 6, 0.25, 1, false],
  ],
};

/** efficientnet_v2.py's round_filters (divisor and minimum 8; no 90% rule, unlike V1). */
function roundFilters(filters: number, width: number): number {
  return Math.max(8, Math.floor(Math.trunc(filters * width + 4) / 8) * 8);
}

/** Blocks per stage of a variant (ceil(depth × repeats)). */
export function efficientNetV2Repeats(variant: EfficientNetV2Variant): number[] {
  return STAGES[variant].map((r) => Math.ceil(EFFICIENTNETV2_VARIANTS[variant][1] * r[1]));
}

export function efficientNetV2Architecture(variant: EfficientNetV2Variant, opts: ArchitectureOptions = {}): ApplicationArchitecture {
  const [widthCoefficient, , defaultSize] = EFFICIENTNETV2_VARIANTS[variant];
  const size = opts.inputSize ?? defaultSize;
  const classes = opts.classes ?? 1000;
  const b = new ConfigBuilder('input_1', [size, size, 3], opts.width ?? ((_, f) => f));
  const round = (f: number): number => roundFilters(f, widthCoefficient);
  const bn = (name: string, x: string): string => b.bn(name, x, 1e-3, 0.9);
  const swish = (name: string, x: string): string => b.act(name, x, 'swish');
  const stages = STAGES[variant];
  let x: string;
  if (variant.startsWith('B')) {
    x = b.add('Rescaling', 'rescaling', { scale: 1 / 255, offset: 0.0 }, ['input_1'], [size, size, 3]);
    x = b.add('Normalization', 'normalization', { axis: [3], mean: [0.485, 0.456, 0.406], variance: [0.229 ** 2, 0.224 ** 2, 0.225 ** 2], invert: false }, [x], [size, size, 3]);
  } else {
    x = b.add('Rescaling', 'rescaling', { scale: 1 / 128, offset: -1.0 }, ['input_1'], [size, size, 3]);
  }
  x = swish('stem_activation', bn('stem_bn', b.conv('stem_conv', x, round(stages[0]![2]), 3, { strides: 2, padding: 'same', useBias: false })));
  const squeezeExcite = (name: string, y: string, inFilters: number, ratio: number): string => {
    const c = b.shape(y).at(-1)!;
    let se = b.add('GlobalAveragePooling2D', `${name}se_squeeze`, { data_format: 'channels_last', keepdims: false }, [y], [c]);
    se = b.add('Reshape', `${name}se_reshape`, { target_shape: [1, 1, c] }, [se], [1, 1, c]);
    se = b.conv(`${name}se_reduce`, se, Math.max(1, Math.trunc(inFilters * ratio)), 1, { padding: 'same' });
    b.entries.at(-1)!.config.activation = 'swish';
    se = b.conv(`${name}se_expand`, se, c, 1, { padding: 'same' });
    b.entries.at(-1)!.config.activation = 'sigmoid';
    return b.add('Multiply', `${name}se_excite`, {}, [y, se], b.shape(y));
  };
  const repeats = efficientNetV2Repeats(variant);
  const total = stages.reduce((a, r) => a + r[1], 0); // efficientnet_v2.py sums the unrounded repeats
  let n = 0;
  stages.forEach(([k, , fin, fout, expand, se, stride, fused], i) => {
    for (let j = 0; j < repeats[i]!; j++) {
      const name = `block${i + 1}${String.fromCharCode(97 + j)}_`;
      const input = x;
      const inFilters = b.shape(x).at(-1)!;
      const s = j > 0 ? 1 : stride;
      const [declaredIn, declaredOut] = [round(j > 0 ? fout : fin), round(fout)];
      let y = x;
      if (fused) {
        if (expand !== 1) y = swish(`${name}expand_activation`, bn(`${name}expand_bn`, b.conv(`${name}expand_conv`, y, inFilters * expand, k, { strides: s, padding: 'same', useBias: false })));
        if (se > 0) y = squeezeExcite(name, y, inFilters, se);
        y = bn(`${name}project_bn`, b.conv(`${name}project_conv`, y, declaredOut, expand !== 1 ? 1 : k, { strides: expand !== 1 ? 1 : s, padding: 'same', useBias: false }));
        if (expand === 1) y = swish(`${name}project_activation`, y);
      } else {
        if (expand !== 1) y = swish(`${name}expand_activation`, bn(`${name}expand_bn`, b.conv(`${name}expand_conv`, y, inFilters * expand, 1, { padding: 'same', useBias: false })));
        y = swish(`${name}activation`, bn(`${name}bn`, b.depthwise(`${name}dwconv2`, y, k, s, 'same')));
        if (se > 0) y = squeezeExcite(name, y, inFilters, se);
        y = bn(`${name}project_bn`, b.conv(`${name}project_conv`, y, declaredOut, 1, { padding: 'same', useBias: false }));
      }
      if (s === 1 && declaredIn === declaredOut && inFilters === b.shape(y).at(-1)) {
        const rate = (0.2 * n) / total;
        if (rate > 0) y = b.add('Dropout', `${name}drop`, { rate, noise_shape: [null, 1, 1, 1], seed: null }, [y], b.shape(y));
        y = b.add('Add', `${name}add`, {}, [y, input], b.shape(y));
      }
      x = y;
      n++;
    }
  });
  x = swish('top_activation', bn('top_bn', b.conv('top_conv', x, round(1280), 1, { padding: 'same', useBias: false })));
  let out = x;
  if (classes > 0) {
    const c = b.shape(x).at(-1)!;
    const gap = b.add('GlobalAveragePooling2D', 'avg_pool', { data_format: 'channels_last', keepdims: false }, [x], [c]);
    const drop = b.add('Dropout', 'top_dropout', { rate: 0.2, noise_shape: null, seed: null }, [gap], [c]);
    out = b.dense('predictions', drop, classes, 'softmax');
  }
  return b.finish('EfficientNetV2', opts.name ?? `efficientnetv2-${variant.toLowerCase()}`, out, 'top_activation');
}
