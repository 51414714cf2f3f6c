/**
 * tf.keras mobilenet.py's MobileNet (v1) at width `alpha` (Keras's ImageNet weights: 0.25, 0.5,
 * 0.75, 1.0): conv1 then 13 depthwise-separable blocks (conv_dw_k, conv_pw_k, each with BN and
 * ReLU6; a stride-2 block pads (0,1)×(0,1) first), and a convolutional top: global average pooling
 * kept 1×1, dropout, a 1×1 convolution to the classes, reshape, softmax.
 */
import { ConfigBuilder } from './config-builder.js';
import type { ApplicationArchitecture, ArchitectureOptions } from './types.js';

/** Pointwise filters (at alpha 1) and stride of blocks 1–13. */
const BLOCKS: [number, number][] = [
  [64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2], [512, 1], [512, 1], [512, 1], [512, 1], [512, 1], [1024, 2], [1024, 1],
];

export function mobilenetArchitecture(opts: ArchitectureOptions & { alpha?: number } = {}): ApplicationArchitecture {
  const alpha = opts.alpha ?? 1.0;
  const size = opts.inputSize ?? 224;
  const classes = opts.classes ?? 1000;
  const b = new ConfigBuilder('input_1', [size, size, 3], opts.width ?? ((_, f) => f));
  const bn = (name: string, x: string): string => b.bn(name, x, 1e-3, 0.99);
  let x = b.conv('conv1', 'input_1', Math.trunc(32 * alpha), 3, { strides: 2, padding: 'same', useBias: false });
  x = b.relu6('conv1_relu', bn('conv1_bn', x));
  BLOCKS.forEach(([filters, stride], i) => {
    const id = i + 1;
    if (stride === 2) x = b.pad(`conv_pad_${id}`, x, [[0, 1], [0, 1]]);
    x = b.depthwise(`conv_dw_${id}`, x, 3, stride, stride === 1 ? 'same' : 'valid');
    x = b.relu6(`conv_dw_${id}_relu`, bn(`conv_dw_${id}_bn`, x));
    x = b.conv(`conv_pw_${id}`, x, Math.trunc(filters * alpha), 1, { padding: 'same', useBias: false });
    x = b.relu6(`conv_pw_${id}_relu`, bn(`conv_pw_${id}_bn`, x));
  });
  let out = x;
  if (classes > 0) {
    const c = b.shape(x).at(-1)!;
    let y = b.add('GlobalAveragePooling2D', 'global_average_pooling2d', { data_format: 'channels_last', keepdims: true }, [x], [1, 1, c]);
    y = b.add('Dropout', 'dropout', { rate: 1e-3, noise_shape: null, seed: null }, [y], [1, 1, c]);
    y = b.conv('conv_preds', y, classes, 1, { padding: 'same' });
    y = b.add('Reshape', 'reshape_2', { target_shape: [classes] }, [y], [classes]);
    out = b.act('predictions', y, 'softmax');
  }
  return b.finish('MobileNet', opts.name ?? `mobilenet_${alpha.toFixed(2)}_${size}`, out, 'conv_pw_13_relu');
}
