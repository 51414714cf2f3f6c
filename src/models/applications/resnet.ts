/** tf.keras resnet.py and resnet_v2.py: ResNet50/101/152 and their pre-activation V2 variants. */
import { ConfigBuilder } from './config-builder.js';
import type { ApplicationArchitecture, ArchitectureOptions } from './types.js';

const RESNET_BLOCKS: Record<'ResNet50' | 'ResNet101' | 'ResNet152', [number, number, number, number]> = {
  ResNet50: [3, 4, 6, 3],
  ResNet101: [3, 4, 23, 3],
  ResNet152: [3, 8, 36, 3],
};

/** tf.keras resnet.py's ResNet50/101/152 (v1: block1 with a shortcut convolution opening each stack). */
export function resnetArchitecture(family: 'ResNet50' | 'ResNet101' | 'ResNet152', opts: ArchitectureOptions = {}): ApplicationArchitecture {
  const size = opts.inputSize ?? 224;
  const classes = opts.classes ?? 1000;
  const b = new ConfigBuilder('input_1', [size, size, 3], opts.width ?? ((_, f) => f));
  const eps = 1.001e-5;
  let x = b.pad('conv1_pad', 'input_1', [[3, 3], [3, 3]]);
  x = b.conv('conv1_conv', x, 64, 7, { strides: 2 });
  x = b.bn('conv1_bn', x, eps, 0.99);
  x = b.act('conv1_relu', x, 'relu');
  x = b.pad('pool1_pad', x, [[1, 1], [1, 1]]);
  x = b.pool('MaxPooling2D', 'pool1_pool', x, 3, 2);
  const block1 = (input: string, filters: number, stride: number, convShortcut: boolean, name: string): string => {
    let shortcut = input;
    if (convShortcut) {
      shortcut = b.conv(`${name}_0_conv`, input, 4 * filters, 1, { strides: stride });
      shortcut = b.bn(`${name}_0_bn`, shortcut, eps, 0.99);
    }
    let y = b.conv(`${name}_1_conv`, input, filters, 1, { strides: stride });
    y = b.bn(`${name}_1_bn`, y, eps, 0.99);
    y = b.act(`${name}_1_relu`, y, 'relu');
    y = b.conv(`${name}_2_conv`, y, filters, 3, { padding: 'same' });
    y = b.bn(`${name}_2_bn`, y, eps, 0.99);
    y = b.act(`${name}_2_relu`, y, 'relu');
    y = b.conv(`${name}_3_conv`, y, 4 * filters, 1);
    y = b.bn(`${name}_3_bn`, y, eps, 0.99);
    y = b.addMerge(`${name}_add`, shortcut, y);
    return b.act(`${name}_out`, y, 'relu');
  };
  const blocks = RESNET_BLOCKS[family];
  const stacks: [number, number, number, string][] = [
    [64, blocks[0], 1, 'conv2'],
    [128, blocks[1], 2, 'conv3'],
    [256, blocks[2], 2, 'conv4'],
    [512, blocks[3], 2, 'conv5'],
  ];
  for (const [filters, n, stride1, name] of stacks) {
    x = block1(x, filters, stride1, true, `${name}_block1`);
    for (let i = 2; i <= n; i++) x = block1(x, filters, 1, false, `${name}_block${i}`);
  }
  const camLayer = x;
  const out = classes > 0 ? b.top(x, 'avg_pool', classes) : x;
  return b.finish(family, opts.name ?? family.toLowerCase(), out, camLayer);
}

/** tf.keras resnet_v2.py's ResNet50V2/101V2/152V2 (pre-activation: block2/stack2, post_bn, post_relu). */
export function resnetV2Architecture(family: 'ResNet50V2' | 'ResNet101V2' | 'ResNet152V2', opts: ArchitectureOptions = {}): ApplicationArchitecture {
  const size = opts.inputSize ?? 224;
  const classes = opts.classes ?? 1000;
  const b = new ConfigBuilder('input_1', [size, size, 3], opts.width ?? ((_, f) => f));
  const eps = 1.001e-5;
  let x = b.pad('conv1_pad', 'input_1', [[3, 3], [3, 3]]);
  x = b.conv('conv1_conv', x, 64, 7, { strides: 2 });
  x = b.pad('pool1_pad', x, [[1, 1], [1, 1]]);
  const maxPool = (name: string, input: string, k: number, s: number): string => b.pool('MaxPooling2D', name, input, k, s);
  x = maxPool('pool1_pool', x, 3, 2);
  const block2 = (input: string, filters: number, stride: number, convShortcut: boolean, name: string): string => {
    let preact = b.bn(`${name}_preact_bn`, input, eps, 0.99);
    preact = b.act(`${name}_preact_relu`, preact, 'relu');
    const shortcut = convShortcut ? b.conv(`${name}_0_conv`, preact, 4 * filters, 1, { strides: stride }) : stride > 1 ? maxPool(`${name}_0_max`, input, 1, stride) : input;
    let y = b.conv(`${name}_1_conv`, preact, filters, 1, { useBias: false });
    y = b.bn(`${name}_1_bn`, y, eps, 0.99);
    y = b.act(`${name}_1_relu`, y, 'relu');
    y = b.pad(`${name}_2_pad`, y, [[1, 1], [1, 1]]);
    y = b.conv(`${name}_2_conv`, y, filters, 3, { strides: stride, useBias: false });
    y = b.bn(`${name}_2_bn`, y, eps, 0.99);
    y = b.act(`${name}_2_relu`, y, 'relu');
    y = b.conv(`${name}_3_conv`, y, 4 * filters, 1);
    return b.addMerge(`${name}_out`, shortcut, y);
  };
  const blocks = RESNET_BLOCKS[family.replace('V2', '') as keyof typeof RESNET_BLOCKS];
  const stacks: [number, number, number, string][] = [
    [64, blocks[0], 2, 'conv2'],
    [128, blocks[1], 2, 'conv3'],
    [256, blocks[2], 2, 'conv4'],
    [512, blocks[3], 1, 'conv5'],
  ];
  for (const [filters, n, stride1, name] of stacks) {
    x = block2(x, filters, 1, true, `${name}_block1`);
    for (let i = 2; i < n; i++) x = block2(x, filters, 1, false, `${name}_block${i}`);
    x = block2(x, filters, stride1, false, `${name}_block${n}`);
  }
  x = b.bn('post_bn', x, eps, 0.99);
  x = b.act('post_relu', x, 'relu');
  const out = classes > 0 ? b.top(x, 'avg_pool', classes) : x;
  return b.finish(family, opts.name ?? family.toLowerCase(), out, 'post_relu');
}

