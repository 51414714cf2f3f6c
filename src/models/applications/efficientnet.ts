/**
 * tf.keras efficientnet.py's EfficientNetB0–B7: one builder scaled by a width and a depth
 * coefficient (round_filters, round_repeats), each variant with its default resolution and top
 * dropout. The pixel scaling is inside the model: Rescaling 1/255, Normalization (the ImageNet mean
 * and variance), and, when keras.applications builds the model for its ImageNet weights (its
 * default, and what every release file was made for), a second Rescaling by 1/√std per channel,
 * Keras's correction for a normalisation the original implementation applied differently
 * (tensorflow/tensorflow#49930). Swish activations; squeeze-and-excitation (GAP → Reshape → Conv
 * swish → Conv sigmoid → Multiply).
 */
import { ConfigBuilder } from './config-builder.js';
import type { ApplicationArchitecture, ArchitectureOptions } from './types.js';

/** tf.keras efficientnet.py's DEFAULT_BLOCKS_ARGS (B0): kernel, repeats, filters in/out, expansion, stride (SE ratio 0.25 throughout). */
const EFFICIENTNET_BLOCKS: [number, number, number, number, number, number][] = [
  [3, 1, 32, 16, 1, 1],
  [3, 2, 16, 24, 6, 2],
  [5, 2, 24, 40, 6, 2],
  [3, 3, 40, 80, 6, 2],
  [5, 3, 80, 112, 6, 1],
  [5, 4, 112, 192, 6, 2],
  [3, 1, 192, 320, 6, 1],
];

export type EfficientNetVariant = 'B0' | 'B1' | 'B2' | 'B3' | 'B4' | 'B5' | 'B6' | 'B7';

/** Width coefficient, depth coefficient, default size, top dropout (tf.keras's EfficientNetB0–B7 calls). */
export const EFFICIENTNET_VARIANTS: Readonly<Record<EfficientNetVariant, [number, number, number, number]>> = {
  B0: [1.0, 1.0, 224, 0.2],
  B1: [1.0, 1.1, 240, 0.2],
  B2: [1.1, 1.2, 260, 0.3],
  B3: [1.2, 1.4, 300, 0.3],
  B4: [1.4, 1.8, 380, 0.4],
  B5: [1.6, 2.2, 456, 0.4],
  B6: [1.8, 2.6, 528, 0.5],
  B7: [2.0, 3.1, 600, 0.5],
};

const IMAGENET_STDDEV_RGB = [0.229, 0.224, 0.225];

/** efficientnet.py's round_filters (divisor 8). */
export function roundFilters(filters: number, width: number): number {
  const f = filters * width;
  let n = Math.max(8, Math.floor(Math.trunc(f + 4) / 8) * 8);
  if (n < 0.9 * f) n += 8;
  return n;
}

/** Blocks per stage of a variant (efficientnet.py's round_repeats: ceil(depth × repeats)). */
export function efficientNetRepeats(variant: EfficientNetVariant): number[] {
  const depth = EFFICIENTNET_VARIANTS[variant][1];
  return EFFICIENTNET_BLOCKS.map((r) => Math.ceil(depth * r[1]));
}

/**
 * The variant whose blocks per stage are these (B1 and B2 share theirs: the top convolution's
 * width, 1280 or 1408, tells them apart when known); undefined for none.
 */
export function efficientNetVariantOf(repeats: readonly number[], topWidth?: number): EfficientNetVariant | undefined {
  const same = (Object.keys(EFFICIENTNET_VARIANTS) as EfficientNetVariant[]).filter((v) => efficientNetRepeats(v).join() === repeats.join());
  if (same.length > 1 && topWidth !== undefined) return same.find((v) => roundFilters(1280, EFFICIENTNET_VARIANTS[v][0]) === topWidth) ?? same[0];
  return same[0];
}

export function efficientNetArchitecture(variant: EfficientNetVariant, opts: ArchitectureOptions & { imagenet?: boolean } = {}): ApplicationArchitecture {
  const [widthCoefficient, , defaultSize, dropout] = EFFICIENTNET_VARIANTS[variant];
  const size = opts.inputSize ?? defaultSize;
  const classes = opts.classes ?? 1000;
  const b = new ConfigBuilder('input_1', [size, size, 3], opts.width ?? ((_, f) => f));
  const round = (f: number): number => roundFilters(f, widthCoefficient);
  const swish = 'swish';
  let x = b.add('Rescaling', 'rescaling', { scale: 1 / 255, offset: 0.0 }, ['input_1'], [size, size, 3]);
  x = b.add('Normalization', 'normalization', { axis: [3], mean: null, variance: null, invert: false }, [x], [size, size, 3], [
    { name: 'mean:0', shape: [3] },
    { name: 'variance:0', shape: [3] },
    { name: 'count:0', shape: [] },
  ]);
  if (opts.imagenet ?? true) x = b.add('Rescaling', 'rescaling_1', { scale: IMAGENET_STDDEV_RGB.map((s) => 1 / Math.sqrt(s)), offset: 0.0 }, [x], [size, size, 3]);
  const correctPad = (input: string, k: number): [[number, number], [number, number]] => {
    const [h, w] = b.shape(input) as [number, number];
    const c = Math.floor(k / 2);
    return [[c - (1 - (h % 2)), c], [c - (1 - (w % 2)), c]];
  };
  x = b.pad('stem_conv_pad', x, correctPad(x, 3));
  x = b.conv('stem_conv', x, round(32), 3, { strides: 2, useBias: false });
  x = b.bn('stem_bn', x, 1e-3, 0.99);
  x = b.act('stem_activation', x, swish);
  /** One MBConv block: expansion, depthwise convolution, squeeze-and-excitation, projection. */
  interface Block {
    filtersIn: number;
    filtersOut: number;
    /** The depthwise kernel's size. */
    k: number;
    strides: number;
    expand: number;
    dropRate: number;
  }
  const block = (input: string, name: string, { filtersIn, filtersOut, k, strides, expand, dropRate }: Block): string => {
    const actualIn = b.shape(input).at(-1)!;
    const filters = actualIn * expand;
    let y = input;
    if (expand !== 1) {
      y = b.conv(`${name}expand_conv`, y, filters, 1, { padding: 'same', useBias: false });
      y = b.bn(`${name}expand_bn`, y, 1e-3, 0.99);
      y = b.act(`${name}expand_activation`, y, swish);
    }
    if (strides === 2) y = b.pad(`${name}dwconv_pad`, y, correctPad(y, k));
    y = b.depthwise(`${name}dwconv`, y, k, strides, strides === 2 ? 'valid' : 'same');
    y = b.bn(`${name}bn`, y, 1e-3, 0.99);
    y = b.act(`${name}activation`, y, swish);
    const c = b.shape(y).at(-1)!;
    let se = b.add('GlobalAveragePooling2D', `${name}se_squeeze`, { data_format: 'channels_last', keepdims: false }, [y], [c]);
    se = b.add('Reshape', `${name}se_reshape`, { target_shape: [1, 1, c] }, [se], [1, 1, c]);
    se = b.conv(`${name}se_reduce`, se, Math.max(1, Math.trunc(actualIn * 0.25)), 1, { padding: 'same' });
    b.entries.at(-1)!.config.activation = swish;
    se = b.conv(`${name}se_expand`, se, c, 1, { padding: 'same' });
    b.entries.at(-1)!.config.activation = 'sigmoid';
    y = b.add('Multiply', `${name}se_excite`, {}, [y, se], b.shape(y));
    y = b.conv(`${name}project_conv`, y, filtersOut, 1, { padding: 'same', useBias: false });
    y = b.bn(`${name}project_bn`, y, 1e-3, 0.99);
    if (strides === 1 && filtersIn === filtersOut && actualIn === b.shape(y).at(-1)) {
      if (dropRate > 0) y = b.add('Dropout', `${name}drop`, { rate: dropRate, noise_shape: [null, 1, 1, 1], seed: null }, [y], b.shape(y));
      y = b.addMerge(`${name}add`, y, input);
    }
    return y;
  };
  const repeats = efficientNetRepeats(variant);
  const total = repeats.reduce((a, r) => a + r, 0);
  let n = 0;
  EFFICIENTNET_BLOCKS.forEach(([k, , fin, fout, expand, stride], i) => {
    for (let j = 0; j < repeats[i]!; j++) {
      x = block(x, `block${i + 1}${String.fromCharCode(97 + j)}_`, {
        filtersIn: round(j > 0 ? fout : fin),
        filtersOut: round(fout),
        k,
        strides: j > 0 ? 1 : stride,
        expand,
        dropRate: (0.2 * n) / total,
      });
      n++;
    }
  });
  x = b.conv('top_conv', x, round(1280), 1, { padding: 'same', useBias: false });
  x = b.bn('top_bn', x, 1e-3, 0.99);
  x = b.act('top_activation', x, swish);
  let out = x;
  if (classes > 0) {
    const c = b.shape(x).at(-1)!;
    const gap = b.add('GlobalAveragePooling2D', 'avg_pool', { data_format: 'channels_last', keepdims: false }, [x], [c]);
    const drop = b.add('Dropout', 'top_dropout', { rate: dropout, noise_shape: null, seed: null }, [gap], [c]);
    out = b.dense('predictions', drop, classes, 'softmax');
  }
  return b.finish('EfficientNet', opts.name ?? `efficientnet${variant.toLowerCase()}`, out, 'top_activation');
}

/** EfficientNetB0 (width and depth 1.0). */
export function efficientNetB0Architecture(opts: ArchitectureOptions & { imagenet?: boolean } = {}): ApplicationArchitecture {
  return efficientNetArchitecture('B0', opts);
}
