/** tf.keras densenet.py: DenseNet121/169/201. */
import { ConfigBuilder } from './config-builder.js';
import type { ApplicationArchitecture, ArchitectureOptions } from './types.js';

const DENSENET_BLOCKS: Record<'DenseNet121' | 'DenseNet169' | 'DenseNet201', [number, number, number, number]> = {
  DenseNet121: [6, 12, 24, 16],
  DenseNet169: [6, 12, 32, 32],
  DenseNet201: [6, 12, 48, 32],
};

/** tf.keras densenet.py's DenseNet121/169/201 (conv_block, transition_block; 'conv1/conv' nests in HDF5). */
export function denseNetArchitecture(variant: 'DenseNet121' | 'DenseNet169' | 'DenseNet201', opts: ArchitectureOptions = {}): ApplicationArchitecture {
  const size = opts.inputSize ?? 224;
  const classes = opts.classes ?? 1000;
  const b = new ConfigBuilder('input_1', [size, size, 3], opts.width ?? ((_, f) => f));
  const eps = 1.001e-5;
  let x = b.pad('zero_padding2d', 'input_1', [[3, 3], [3, 3]]);
  x = b.conv('conv1/conv', x, 64, 7, { strides: 2, useBias: false });
  x = b.bn('conv1/bn', x, eps, 0.99);
  x = b.act('conv1/relu', x, 'relu');
  x = b.pad('zero_padding2d_1', x, [[1, 1], [1, 1]]);
  x = b.pool('MaxPooling2D', 'pool1', x, 3, 2);
  const convBlock = (input: string, growth: number, name: string): string => {
    let y = b.bn(`${name}_0_bn`, input, eps, 0.99);
    y = b.act(`${name}_0_relu`, y, 'relu');
    y = b.conv(`${name}_1_conv`, y, 4 * growth, 1, { useBias: false });
    y = b.bn(`${name}_1_bn`, y, eps, 0.99);
    y = b.act(`${name}_1_relu`, y, 'relu');
    y = b.conv(`${name}_2_conv`, y, growth, 3, { padding: 'same', useBias: false });
    return b.concat(`${name}_concat`, [input, y]);
  };
  const transition = (input: string, reduction: number, name: string): string => {
    let y = b.bn(`${name}_bn`, input, eps, 0.99);
    y = b.act(`${name}_relu`, y, 'relu');
    y = b.conv(`${name}_conv`, y, Math.trunc(b.shape(y).at(-1)! * reduction), 1, { useBias: false });
    return b.pool('AveragePooling2D', `${name}_pool`, y, 2, 2);
  };
  const blocks = DENSENET_BLOCKS[variant];
  blocks.forEach((n, i) => {
    for (let k = 1; k <= n; k++) x = convBlock(x, 32, `conv${i + 2}_block${k}`);
    if (i < 3) x = transition(x, 0.5, `pool${i + 2}`);
  });
  x = b.bn('bn', x, eps, 0.99);
  x = b.act('relu', x, 'relu');
  const out = classes > 0 ? b.top(x, 'avg_pool', classes) : x;
  return b.finish('DenseNet', opts.name ?? variant.toLowerCase(), out, 'relu');
}

