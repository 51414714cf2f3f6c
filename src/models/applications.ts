/**
 * keras.applications families: recognising them (by their layer names and structure, never by a
 * file name) and writing their architecture as the Keras 2 functional config that
 * keras.applications builds, so that Keras's weight files, which hold weights only, load as the
 * model they belong to. Channel widths and the class count come from the weights (so width-reduced
 * variants load too); the input size is the family's default unless the file says otherwise.
 * Browser-safe.
 *
 *   ResNet50/101/152 (v1)  tf.keras resnet.py: conv1_pad … convN_blockK_{0..3}_{conv,bn}, _add, _out
 *   ResNet50V2/101V2/152V2 tf.keras resnet_v2.py: …_preact_bn, _0_max, _2_pad, _out; post_bn, post_relu
 *   MobileNetV2            tf.keras mobilenet_v2.py: Conv1, expanded_conv_*, block_{1..16}_*, Conv_1, out_relu
 *   InceptionV3            tf.keras inception_v3.py: conv2d[_k]/batch_normalization[_k]/activation[_k], mixed0–mixed10
 *   Xception               tf.keras xception.py: block1_conv1 … block14_sepconv2_act; shortcuts conv2d[_k]
 *   EfficientNetB0         tf.keras efficientnet.py: rescaling, normalization, stem_*, blockNx_*, top_*
 *   DenseNet121/169/201    tf.keras densenet.py: conv1/conv, convN_blockK_{0,1,2}_*, _concat, poolN_*, bn, relu
 *
 * Recognised for their pixel scaling (a model file with its own config): VGG16/19, MobileNet, MobileNetV3, InceptionResNetV2, EfficientNet(V2),
 * ConvNeXt.
 */
import type { PixelScaling } from './pixel-scaling-names.js';

export type ApplicationFamily =
  | 'VGG16'
  | 'VGG19'
  | 'ResNet50'
  | 'ResNet101'
  | 'ResNet152'
  | 'ResNet50V2'
  | 'ResNet101V2'
  | 'ResNet152V2'
  | 'MobileNet'
  | 'MobileNetV2'
  | 'MobileNetV3'
  | 'DenseNet'
  | 'InceptionV3'
  | 'InceptionResNetV2'
  | 'Xception'
  | 'EfficientNet'
  | 'EfficientNetV2'
  | 'ConvNeXt';

export interface RecognisedFamily {
  family: ApplicationFamily;
  /** The pixel scaling keras.applications's preprocess_input applies ('none': it is inside the model). */
  rule: PixelScaling;
  /** The family's default input size (pixels per side). */
  inputSize: number;
  /** The layer Grad-CAM explains by default in keras.applications's full model. */
  camLayer?: string;
  /** True when stieltjes can build the architecture from a weights-only file. */
  buildable: boolean;
}

const has = (names: ReadonlySet<string>, ...want: string[]): boolean => want.every((n) => names.has(n));

/** The family a model's layer names say it is, or undefined. */
export function recogniseFamily(layerNames: Iterable<string>): RecognisedFamily | undefined {
  const names = new Set(layerNames);
  const count = (re: RegExp): number => [...names].filter((n) => re.test(n)).length;
  if (has(names, 'conv1_conv', 'conv2_block1_preact_bn', 'post_bn')) {
    const blocks = count(/^conv4_block\d+_out$/);
    const family = blocks >= 36 ? 'ResNet152V2' : blocks >= 23 ? 'ResNet101V2' : 'ResNet50V2';
    return { family, rule: 'symmetric', inputSize: 224, camLayer: 'post_relu', buildable: true };
  }
  if (has(names, 'conv1_conv', 'conv2_block1_1_conv', 'conv2_block1_0_conv')) {
    const blocks = count(/^conv4_block\d+_1_conv$/);
    const family = blocks >= 36 ? 'ResNet152' : blocks >= 23 ? 'ResNet101' : 'ResNet50';
    return { family, rule: 'caffe', inputSize: 224, camLayer: 'conv5_block3_out', buildable: true };
  }
  if (has(names, 'Conv1', 'expanded_conv_depthwise', 'Conv_1')) return { family: 'MobileNetV2', rule: 'symmetric', inputSize: 224, camLayer: 'out_relu', buildable: true };
  if (has(names, 'block1_conv1', 'block5_conv4')) return { family: 'VGG19', rule: 'caffe', inputSize: 224, camLayer: 'block5_conv4', buildable: true };
  if (has(names, 'block1_conv1', 'block5_conv3')) return { family: 'VGG16', rule: 'caffe', inputSize: 224, camLayer: 'block5_conv3', buildable: false };
  if (has(names, 'conv1', 'conv_dw_1', 'conv_pw_13')) return { family: 'MobileNet', rule: 'symmetric', inputSize: 224, camLayer: 'conv_pw_13_relu', buildable: false };
  if ([...names].some((n) => /^expanded_conv(_\d+)?\/(depthwise|project)$/.test(n)) || has(names, 'Conv', 'Conv_2')) {
    return { family: 'MobileNetV3', rule: 'none', inputSize: 224, buildable: false };
  }
  if (has(names, 'conv1/conv', 'pool2_conv')) return { family: 'DenseNet', rule: 'torch', inputSize: 224, camLayer: 'relu', buildable: true };
  if (has(names, 'block1_conv1', 'block14_sepconv2')) return { family: 'Xception', rule: 'symmetric', inputSize: 299, camLayer: 'block14_sepconv2_act', buildable: true };
  if (has(names, 'mixed_7a', 'conv_7b')) return { family: 'InceptionResNetV2', rule: 'symmetric', inputSize: 299, camLayer: 'conv_7b_ac', buildable: false };
  if (has(names, 'mixed10', 'mixed0')) return { family: 'InceptionV3', rule: 'symmetric', inputSize: 299, camLayer: 'mixed10', buildable: true };
  if (has(names, 'stem_conv', 'top_conv', 'block1a_dwconv', 'block1a_se_excite')) {
    return { family: 'EfficientNet', rule: 'none', inputSize: 224, camLayer: 'top_activation', buildable: count(/^block\d[a-z]_dwconv$/) === 16 };
  }
  if (has(names, 'stem_conv', 'top_conv')) return { family: 'EfficientNetV2', rule: 'none', inputSize: 224, camLayer: 'top_activation', buildable: false };
  if ([...names].some((n) => /^convnext_(tiny|small|base|large|xlarge)_stem$/.test(n))) return { family: 'ConvNeXt', rule: 'none', inputSize: 224, buildable: false };
  return undefined;
}

/** One weight of a layer, as a keras.applications file names and shapes it. */
export interface ApplicationWeight {
  /** Keras 2's name in the file: kernel:0, bias:0, gamma:0, beta:0, moving_mean:0, moving_variance:0, depthwise_kernel:0. */
  name: string;
  shape: number[];
}

export interface KerasConfigEntry {
  class_name: string;
  config: Record<string, unknown>;
  name: string;
  inbound_nodes: unknown[];
}

export interface ApplicationArchitecture {
  family: ApplicationFamily;
  /** Keras 2 model_config: a Functional. */
  config: { class_name: 'Functional'; config: { name: string; layers: KerasConfigEntry[]; input_layers: unknown; output_layers: unknown } };
  /** The weights each layer (but the input) holds, in config order, as Keras names them. */
  weights: { layer: string; weights: ApplicationWeight[] }[];
  camLayer: string;
}

export interface ArchitectureOptions {
  /** Pixels per side (default 224). */
  inputSize?: number;
  /** Classes of the top (default 1000); 0: no top (include_top=False, no pooling). */
  classes?: number;
  /**
   * The filter count of a convolution given the full model's; a weights file answers with its
   * kernel's output channels (width-reduced variants), a generator with its own rule.
   */
  width?: (layer: string, full: number) => number;
  name?: string;
}

/** A functional model built call by call, as Keras records it (layer order = creation order). */
class ConfigBuilder {
  readonly entries: KerasConfigEntry[] = [];
  readonly weights: { layer: string; weights: ApplicationWeight[] }[] = [];
  private readonly shapes = new Map<string, number[]>();

  constructor(
    inputName: string,
    shape: number[],
    private readonly width: (layer: string, full: number) => number,
  ) {
    this.entries.push({
      class_name: 'InputLayer',
      config: { batch_input_shape: [null, ...shape], dtype: 'float32', sparse: false, ragged: false, name: inputName },
      name: inputName,
      inbound_nodes: [],
    });
    this.shapes.set(inputName, shape);
  }

  shape(name: string): number[] {
    return this.shapes.get(name)!;
  }

  add(cls: string, name: string, config: Record<string, unknown>, inputs: string[], outShape: number[], weights: ApplicationWeight[] = []): string {
    if (this.shapes.has(name)) throw new Error(`two layers named ${name}`);
    this.entries.push({ class_name: cls, config: { name, trainable: true, dtype: 'float32', ...config }, name, inbound_nodes: [inputs.map((i) => [i, 0, 0, {}])] });
    this.weights.push({ layer: name, weights });
    this.shapes.set(name, outShape);
    return name;
  }

  conv(name: string, x: string, fullFilters: number, k: number, opts: { strides?: number; padding?: 'same' | 'valid'; useBias?: boolean; kw?: number } = {}): string {
    const [h, w, c] = this.shape(x) as [number, number, number];
    const filters = this.width(name, fullFilters);
    const s = opts.strides ?? 1;
    const padding = opts.padding ?? 'valid';
    const useBias = opts.useBias ?? true;
    const kw = opts.kw ?? k;
    const out: [number, number] = [outSize(h, h, k, s, padding)[0], outSize(w, w, kw, s, padding)[0]];
    const weights: ApplicationWeight[] = [{ name: 'kernel:0', shape: [k, kw, c, filters] }];
    if (useBias) weights.push({ name: 'bias:0', shape: [filters] });
    const config = { filters, kernel_size: [k, kw], strides: [s, s], padding, data_format: 'channels_last', dilation_rate: [1, 1], groups: 1, activation: 'linear', use_bias: useBias };
    return this.add('Conv2D', name, config, [x], [out[0], out[1], filters], weights);
  }

  depthwise(name: string, x: string, k: number, strides: number, padding: 'same' | 'valid'): string {
    const [h, w, c] = this.shape(x) as [number, number, number];
    const out = outSize(h, w, k, strides, padding);
    const config = { kernel_size: [k, k], strides: [strides, strides], padding, data_format: 'channels_last', dilation_rate: [1, 1], activation: 'linear', use_bias: false, depth_multiplier: 1 };
    return this.add('DepthwiseConv2D', name, config, [x], [out[0], out[1], c], [{ name: 'depthwise_kernel:0', shape: [k, k, c, 1] }]);
  }

  bn(name: string, x: string, epsilon: number, momentum: number, scale = true): string {
    const c = this.shape(x).at(-1)!;
    const weights = [...(scale ? ['gamma:0'] : []), 'beta:0', 'moving_mean:0', 'moving_variance:0'].map((n) => ({ name: n, shape: [c] }));
    return this.add('BatchNormalization', name, { axis: [3], momentum, epsilon, center: true, scale }, [x], this.shape(x), weights);
  }

  act(name: string, x: string, activation: string): string {
    return this.add('Activation', name, { activation }, [x], this.shape(x));
  }

  relu6(name: string, x: string): string {
    return this.add('ReLU', name, { max_value: 6.0, negative_slope: 0.0, threshold: 0.0 }, [x], this.shape(x));
  }

  pad(name: string, x: string, p: [[number, number], [number, number]]): string {
    const [h, w, c] = this.shape(x) as [number, number, number];
    return this.add('ZeroPadding2D', name, { padding: p, data_format: 'channels_last' }, [x], [h + p[0][0] + p[0][1], w + p[1][0] + p[1][1], c]);
  }

  addMerge(name: string, a: string, b: string): string {
    return this.add('Add', name, {}, [a, b], this.shape(a));
  }

  separable(name: string, x: string, fullFilters: number, k: number): string {
    const [h, w, c] = this.shape(x) as [number, number, number];
    const filters = this.width(name, fullFilters);
    const config = {
      filters,
      kernel_size: [k, k],
      strides: [1, 1],
      padding: 'same',
      data_format: 'channels_last',
      dilation_rate: [1, 1],
      depth_multiplier: 1,
      activation: 'linear',
      use_bias: false,
    };
    return this.add('SeparableConv2D', name, config, [x], [h, w, filters], [
      { name: 'depthwise_kernel:0', shape: [k, k, c, 1] },
      { name: 'pointwise_kernel:0', shape: [1, 1, c, filters] },
    ]);
  }

  concat(name: string, xs: string[]): string {
    const shapes = xs.map((x) => this.shape(x));
    const c = shapes.reduce((a, s) => a + s.at(-1)!, 0);
    return this.add('Concatenate', name, { axis: 3 }, xs, [...shapes[0]!.slice(0, -1), c]);
  }

  pool(cls: 'MaxPooling2D' | 'AveragePooling2D', name: string, x: string, k: number, s: number, padding: 'same' | 'valid' = 'valid'): string {
    const [h, w, c] = this.shape(x) as [number, number, number];
    const o = outSize(h, w, k, s, padding);
    return this.add(cls, name, { pool_size: [k, k], padding, strides: [s, s], data_format: 'channels_last' }, [x], [o[0], o[1], c]);
  }

  /** include_top: global average pooling, then the softmax classifier. */
  top(x: string, poolName: string, classes: number): string {
    const c = this.shape(x).at(-1)!;
    const gap = this.add('GlobalAveragePooling2D', poolName, { data_format: 'channels_last', keepdims: false }, [x], [c]);
    return this.add('Dense', 'predictions', { units: classes, activation: 'softmax', use_bias: true }, [gap], [classes], [
      { name: 'kernel:0', shape: [c, classes] },
      { name: 'bias:0', shape: [classes] },
    ]);
  }

  finish(family: ApplicationFamily, name: string, output: string, camLayer: string): ApplicationArchitecture {
    const input = this.entries[0]!.name;
    return {
      family,
      config: { class_name: 'Functional', config: { name, layers: this.entries, input_layers: [[input, 0, 0]], output_layers: [[output, 0, 0]] } },
      weights: this.weights,
      camLayer,
    };
  }
}

function outSize(h: number, w: number, k: number, s: number, padding: 'same' | 'valid'): [number, number] {
  if (padding === 'same') return [Math.ceil(h / s), Math.ceil(w / s)];
  const o = [Math.floor((h - k) / s) + 1, Math.floor((w - k) / s) + 1] as [number, number];
  if (o[0] < 1 || o[1] < 1) throw new Error(`the input is too small for this architecture (a ${k}×${k} window over ${h}×${w})`);
  return o;
}

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
  const maxPool = (name: string, input: string, k: number, s: number): string => {
    const [h, w, c] = b.shape(input) as [number, number, number];
    const o = outSize(h, w, k, s, 'valid');
    return b.add('MaxPooling2D', name, { pool_size: [k, k], padding: 'valid', strides: [s, s], data_format: 'channels_last' }, [input], [o[0], o[1], c]);
  };
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

/** tf.keras xception.py's Xception (entry, 8 middle and exit flows; the shortcut layers keep Keras's automatic names). */
export function xceptionArchitecture(opts: ArchitectureOptions = {}): ApplicationArchitecture {
  const size = opts.inputSize ?? 299;
  const classes = opts.classes ?? 1000;
  const b = new ConfigBuilder('input_1', [size, size, 3], opts.width ?? ((_, f) => f));
  const bn = (name: string, x: string): string => b.bn(name, x, 1e-3, 0.99);
  let x = b.conv('block1_conv1', 'input_1', 32, 3, { strides: 2, useBias: false });
  x = bn('block1_conv1_bn', x);
  x = b.act('block1_conv1_act', x, 'relu');
  x = b.conv('block1_conv2', x, 64, 3, { useBias: false });
  x = bn('block1_conv2_bn', x);
  x = b.act('block1_conv2_act', x, 'relu');
  let shortcuts = 0;
  let adds = 0;
  const shortcut = (input: string, filters: number): string => {
    const k = shortcuts++;
    const r = b.conv(k === 0 ? 'conv2d' : `conv2d_${k}`, input, filters, 1, { strides: 2, padding: 'same', useBias: false });
    return bn(k === 0 ? 'batch_normalization' : `batch_normalization_${k}`, r);
  };
  const add = (a: string, r: string): string => b.addMerge(adds++ === 0 ? 'add' : `add_${adds - 1}`, a, r);
  // Entry flow: blocks 2–4 (block 2 starts without an activation).
  ([[2, 128], [3, 256], [4, 728]] as const).forEach(([blk, filters]) => {
    const r = shortcut(x, filters);
    if (blk > 2) x = b.act(`block${blk}_sepconv1_act`, x, 'relu');
    x = b.separable(`block${blk}_sepconv1`, x, filters, 3);
    x = bn(`block${blk}_sepconv1_bn`, x);
    x = b.act(`block${blk}_sepconv2_act`, x, 'relu');
    x = b.separable(`block${blk}_sepconv2`, x, filters, 3);
    x = bn(`block${blk}_sepconv2_bn`, x);
    x = b.pool('MaxPooling2D', `block${blk}_pool`, x, 3, 2, 'same');
    x = add(x, r);
  });
  // Middle flow: blocks 5–12.
  for (let i = 5; i <= 12; i++) {
    const r = x;
    for (let j = 1; j <= 3; j++) {
      x = b.act(`block${i}_sepconv${j}_act`, x, 'relu');
      x = b.separable(`block${i}_sepconv${j}`, x, 728, 3);
      x = bn(`block${i}_sepconv${j}_bn`, x);
    }
    x = add(x, r);
  }
  // Exit flow.
  const r = shortcut(x, 1024);
  x = b.act('block13_sepconv1_act', x, 'relu');
  x = b.separable('block13_sepconv1', x, 728, 3);
  x = bn('block13_sepconv1_bn', x);
  x = b.act('block13_sepconv2_act', x, 'relu');
  x = b.separable('block13_sepconv2', x, 1024, 3);
  x = bn('block13_sepconv2_bn', x);
  x = b.pool('MaxPooling2D', 'block13_pool', x, 3, 2, 'same');
  x = add(x, r);
  x = b.separable('block14_sepconv1', x, 1536, 3);
  x = bn('block14_sepconv1_bn', x);
  x = b.act('block14_sepconv1_act', x, 'relu');
  x = b.separable('block14_sepconv2', x, 2048, 3);
  x = bn('block14_sepconv2_bn', x);
  x = b.act('block14_sepconv2_act', x, 'relu');
  const out = classes > 0 ? b.top(x, 'avg_pool', classes) : x;
  return b.finish('Xception', opts.name ?? 'xception', out, 'block14_sepconv2_act');
}

/** tf.keras inception_v3.py's InceptionV3 (conv2d_bn with Keras's automatic names, mixed0–mixed10). */
export function inceptionV3Architecture(opts: ArchitectureOptions = {}): ApplicationArchitecture {
  const size = opts.inputSize ?? 299;
  const classes = opts.classes ?? 1000;
  const b = new ConfigBuilder('input_1', [size, size, 3], opts.width ?? ((_, f) => f));
  const counters = new Map<string, number>();
  const auto = (base: string): string => {
    const k = counters.get(base) ?? 0;
    counters.set(base, k + 1);
    return k === 0 ? base : `${base}_${k}`;
  };
  const convBn = (x: string, filters: number, rows: number, cols: number, padding: 'same' | 'valid' = 'same', strides = 1): string => {
    let y = b.conv(auto('conv2d'), x, filters, rows, { kw: cols, strides, padding, useBias: false });
    y = b.bn(auto('batch_normalization'), y, 1e-3, 0.99, false);
    return b.act(auto('activation'), y, 'relu');
  };
  const maxPool = (x: string): string => b.pool('MaxPooling2D', auto('max_pooling2d'), x, 3, 2);
  const avgPool = (x: string): string => b.pool('AveragePooling2D', auto('average_pooling2d'), x, 3, 1, 'same');
  let x = convBn('input_1', 32, 3, 3, 'valid', 2);
  x = convBn(x, 32, 3, 3, 'valid');
  x = convBn(x, 64, 3, 3);
  x = maxPool(x);
  x = convBn(x, 80, 1, 1, 'valid');
  x = convBn(x, 192, 3, 3, 'valid');
  x = maxPool(x);
  for (const [i, pool] of [[0, 32], [1, 64], [2, 64]] as const) {
    const b1 = convBn(x, 64, 1, 1);
    let b5 = convBn(x, 48, 1, 1);
    b5 = convBn(b5, 64, 5, 5);
    let b3 = convBn(x, 64, 1, 1);
    b3 = convBn(b3, 96, 3, 3);
    b3 = convBn(b3, 96, 3, 3);
    const bp = convBn(avgPool(x), pool, 1, 1);
    x = b.concat(`mixed${i}`, [b1, b5, b3, bp]);
  }
  {
    const b3 = convBn(x, 384, 3, 3, 'valid', 2);
    let bd = convBn(x, 64, 1, 1);
    bd = convBn(bd, 96, 3, 3);
    bd = convBn(bd, 96, 3, 3, 'valid', 2);
    x = b.concat('mixed3', [b3, bd, maxPool(x)]);
  }
  for (const [i, f] of [[4, 128], [5, 160], [6, 160], [7, 192]] as const) {
    const b1 = convBn(x, 192, 1, 1);
    let b7 = convBn(x, f, 1, 1);
    b7 = convBn(b7, f, 1, 7);
    b7 = convBn(b7, 192, 7, 1);
    let bd = convBn(x, f, 1, 1);
    bd = convBn(bd, f, 7, 1);
    bd = convBn(bd, f, 1, 7);
    bd = convBn(bd, f, 7, 1);
    bd = convBn(bd, 192, 1, 7);
    const bp = convBn(avgPool(x), 192, 1, 1);
    x = b.concat(`mixed${i}`, [b1, b7, bd, bp]);
  }
  {
    let b3 = convBn(x, 192, 1, 1);
    b3 = convBn(b3, 320, 3, 3, 'valid', 2);
    let b7 = convBn(x, 192, 1, 1);
    b7 = convBn(b7, 192, 1, 7);
    b7 = convBn(b7, 192, 7, 1);
    b7 = convBn(b7, 192, 3, 3, 'valid', 2);
    x = b.concat('mixed8', [b3, b7, maxPool(x)]);
  }
  for (const i of [0, 1]) {
    const b1 = convBn(x, 320, 1, 1);
    const b3 = convBn(x, 384, 1, 1);
    const b3cat = b.concat(`mixed9_${i}`, [convBn(b3, 384, 1, 3), convBn(b3, 384, 3, 1)]);
    let bd = convBn(x, 448, 1, 1);
    bd = convBn(bd, 384, 3, 3);
    const bdcat = b.concat(auto('concatenate'), [convBn(bd, 384, 1, 3), convBn(bd, 384, 3, 1)]);
    const bp = convBn(avgPool(x), 192, 1, 1);
    x = b.concat(`mixed${9 + i}`, [b1, b3cat, bdcat, bp]);
  }
  const out = classes > 0 ? b.top(x, 'avg_pool', classes) : x;
  return b.finish('InceptionV3', opts.name ?? 'inception_v3', out, 'mixed10');
}

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

/**
 * The architecture of a keras.applications weights-only file (ResNet50/101/152, MobileNetV2),
 * with its widths, class count and top read from the weights; undefined when the layer names are
 * not a family stieltjes builds.
 */
export function architectureFromWeights(layers: readonly { name: string; weights: readonly { shape: readonly number[] }[] }[], inputSize?: number): ApplicationArchitecture | undefined {
  const names = layers.map((l) => l.name);
  const found = recogniseFamily(names);
  if (!found?.buildable || found.family === 'VGG19') return undefined;
  const byName = new Map(layers.map((l) => [l.name, l]));
  const width = (layer: string, full: number): number => byName.get(layer)?.weights[0]?.shape.at(-1) ?? full;
  const top = byName.get('predictions')?.weights[0]?.shape;
  const classes = top ? top[1]! : 0;
  const size = inputSize ?? found.inputSize;
  if (found.family === 'MobileNetV2') return mobilenetV2Architecture({ inputSize: size, classes, width });
  if (found.family === 'DenseNet') {
    const blocks = names.filter((n) => /^conv4_block\d+_concat$/.test(n)).length;
    const variant = blocks >= 48 ? 'DenseNet201' : blocks >= 32 ? 'DenseNet169' : 'DenseNet121';
    return denseNetArchitecture(variant, { inputSize: size, classes, width });
  }
  if (found.family === 'InceptionV3') return inceptionV3Architecture({ inputSize: size, classes, width });
  if (found.family === 'Xception') return xceptionArchitecture({ inputSize: size, classes, width });
  if (found.family === 'EfficientNet') return efficientNetB0Architecture({ inputSize: size, classes, width });
  if (found.family.endsWith('V2')) return resnetV2Architecture(found.family as 'ResNet50V2' | 'ResNet101V2' | 'ResNet152V2', { inputSize: size, classes, width });
  return resnetArchitecture(found.family as 'ResNet50' | 'ResNet101' | 'ResNet152', { inputSize: size, classes, width });
}
