/** tf.keras efficientnet.py: EfficientNetB0. */
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

/**
 * tf.keras efficientnet.py's EfficientNetB0 (width and depth 1.0): its pixel scaling inside the
 * model (Rescaling 1/255, then Normalization with the ImageNet mean and variance), swish
 * activations, squeeze-and-excitation (GAP → Reshape → Conv swish → Conv sigmoid → Multiply).
 */
export function efficientNetB0Architecture(opts: ArchitectureOptions = {}): ApplicationArchitecture {
  const size = opts.inputSize ?? 224;
  const classes = opts.classes ?? 1000;
  const b = new ConfigBuilder('input_1', [size, size, 3], opts.width ?? ((_, f) => f));
  const swish = 'swish';
  let x = b.add('Rescaling', 'rescaling', { scale: 1 / 255, offset: 0.0 }, ['input_1'], [size, size, 3]);
  x = b.add('Normalization', 'normalization', { axis: [3], mean: null, variance: null, invert: false }, [x], [size, size, 3], [
    { name: 'mean:0', shape: [3] },
    { name: 'variance:0', shape: [3] },
    { name: 'count:0', shape: [] },
  ]);
  const correctPad = (input: string, k: number): [[number, number], [number, number]] => {
    const [h, w] = b.shape(input) as [number, number];
    const c = Math.floor(k / 2);
    return [[c - (1 - (h % 2)), c], [c - (1 - (w % 2)), c]];
  };
  x = b.pad('stem_conv_pad', x, correctPad(x, 3));
  x = b.conv('stem_conv', x, 32, 3, { strides: 2, useBias: false });
  x = b.bn('stem_bn', x, 1e-3, 0.99);
  x = b.act('stem_activation', x, swish);
  const block = (input: string, name: string, filtersIn: number, filtersOut: number, k: number, strides: number, expand: number, dropRate: number): string => {
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
  const total = EFFICIENTNET_BLOCKS.reduce((a, r) => a + r[1], 0);
  let n = 0;
  EFFICIENTNET_BLOCKS.forEach(([k, repeats, fin, fout, expand, stride], i) => {
    for (let j = 0; j < repeats; j++) {
      x = block(x, `block${i + 1}${String.fromCharCode(97 + j)}_`, j > 0 ? fout : fin, fout, k, j > 0 ? 1 : stride, expand, (0.2 * n) / total);
      n++;
    }
  });
  x = b.conv('top_conv', x, 1280, 1, { padding: 'same', useBias: false });
  x = b.bn('top_bn', x, 1e-3, 0.99);
  x = b.act('top_activation', x, swish);
  let out = x;
  if (classes > 0) {
    const c = b.shape(x).at(-1)!;
    const gap = b.add('GlobalAveragePooling2D', 'avg_pool', { data_format: 'channels_last', keepdims: false }, [x], [c]);
    const drop = b.add('Dropout', 'top_dropout', { rate: 0.2, noise_shape: null, seed: null }, [gap], [c]);
    out = b.add('Dense', 'predictions', { units: classes, activation: 'softmax', use_bias: true }, [drop], [classes], [
      { name: 'kernel:0', shape: [c, classes] },
      { name: 'bias:0', shape: [classes] },
    ]);
  }
  return b.finish('EfficientNet', opts.name ?? 'efficientnetb0', out, 'top_activation');
}

