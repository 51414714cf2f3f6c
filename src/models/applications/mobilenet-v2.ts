/** tf.keras mobilenet_v2.py: MobileNetV2. */
import { ConfigBuilder } from './config-builder.js';
import type { ApplicationArchitecture, ArchitectureOptions } from './types.js';

/** keras.applications's _make_divisible. */
export function makeDivisible(v: number, divisor = 8): number {
  let n = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (n < 0.9 * v) n += divisor;
  return n;
}

/** tf.keras mobilenet_v2.py's MobileNetV2 at width `alpha` (Keras offers 0.35, 0.5, 0.75, 1.0, 1.3, 1.4). */
export function mobilenetV2Architecture(opts: ArchitectureOptions & { alpha?: number } = {}): ApplicationArchitecture {
  const alpha = opts.alpha ?? 1.0;
  const size = opts.inputSize ?? 224;
  const classes = opts.classes ?? 1000;
  const width = opts.width ?? ((_, f) => f);
  const b = new ConfigBuilder('input_1', [size, size, 3], width);
  let x = b.conv('Conv1', 'input_1', makeDivisible(32 * alpha, 8), 3, { strides: 2, padding: 'same', useBias: false });
  x = b.bn('bn_Conv1', x, 1e-3, 0.999);
  x = b.relu6('Conv1_relu', x);
  const block = (input: string, expansion: number, stride: number, filters: number, id: number): string => {
    const inChannels = b.shape(input).at(-1)!;
    let y = input;
    let prefix = `block_${id}_`;
    if (id) {
      y = b.conv(`${prefix}expand`, y, expansion * inChannels, 1, { padding: 'same', useBias: false });
      y = b.bn(`${prefix}expand_BN`, y, 1e-3, 0.999);
      y = b.relu6(`${prefix}expand_relu`, y);
    } else {
      prefix = 'expanded_conv_';
    }
    if (stride === 2) {
      // imagenet_utils.correct_pad for a 3×3 kernel: (h mod 2, 1) rows, (w mod 2, 1) columns.
      const [hh, ww] = b.shape(y) as [number, number];
      y = b.pad(`${prefix}pad`, y, [[hh % 2, 1], [ww % 2, 1]]);
    }
    y = b.depthwise(`${prefix}depthwise`, y, 3, stride, stride === 1 ? 'same' : 'valid');
    y = b.bn(`${prefix}depthwise_BN`, y, 1e-3, 0.999);
    y = b.relu6(`${prefix}depthwise_relu`, y);
    y = b.conv(`${prefix}project`, y, makeDivisible(Math.trunc(filters * alpha), 8), 1, { padding: 'same', useBias: false });
    y = b.bn(`${prefix}project_BN`, y, 1e-3, 0.999);
    const out = b.shape(y).at(-1)!;
    return inChannels === out && stride === 1 ? b.addMerge(`${prefix}add`, input, y) : y;
  };
  const spec: [number, number, number, number][] = [
    [16, 1, 1, 0], [24, 2, 6, 1], [24, 1, 6, 2], [32, 2, 6, 3], [32, 1, 6, 4], [32, 1, 6, 5], [64, 2, 6, 6], [64, 1, 6, 7], [64, 1, 6, 8],
    [64, 1, 6, 9], [96, 1, 6, 10], [96, 1, 6, 11], [96, 1, 6, 12], [160, 2, 6, 13], [160, 1, 6, 14], [160, 1, 6, 15], [320, 1, 6, 16],
  ];
  for (const [filters, stride, expansion, id] of spec) x = block(x, expansion, stride, filters, id);
  x = b.conv('Conv_1', x, alpha > 1.0 ? makeDivisible(1280 * alpha, 8) : 1280, 1, { useBias: false });
  x = b.bn('Conv_1_bn', x, 1e-3, 0.999);
  x = b.relu6('out_relu', x);
  const out = classes > 0 ? b.top(x, 'global_average_pooling2d', classes) : x;
  return b.finish('MobileNetV2', opts.name ?? `mobilenetv2_${alpha.toFixed(2)}_${size}`, out, 'out_relu');
}

