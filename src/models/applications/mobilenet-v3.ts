/**
 * tf.keras mobilenet_v3.py's MobileNetV3Small and MobileNetV3Large (not minimalistic) at width
 * `alpha` (Keras's ImageNet weights: 0.75, 1.0). Its preprocessing is inside the model
 * (include_preprocessing: Rescaling 1/127.5, offset −1). Keras 2 writes hard-sigmoid as
 * `ReLU(6.)(x + 3.) * (1. / 6.)`, so the file holds two TFOpLambda layers per hard-sigmoid
 * (tf.__operators__.add, tf.math.multiply) around an automatically named ReLU, and hard-swish as an
 * automatically named Multiply of x and that; the names follow Keras's per-class counters, in the
 * order Keras creates the layers. Squeeze-excite: GAP (kept 1×1) → Conv → ReLU → Conv →
 * hard-sigmoid → Multiply. The top: GAP (kept 1×1), Conv_2, hard-swish, dropout, Logits (a 1×1
 * convolution), flatten, softmax.
 */
import { ConfigBuilder } from './config-builder.js';
import { makeDivisible } from './mobilenet-v2.js';
import type { ApplicationArchitecture, ArchitectureOptions } from './types.js';

type Act = 'relu' | 'hswish';
/** expansion, filters (at alpha 1), kernel (0: the family's 5), stride, squeeze-excite, activation. */
type Block = [number, number, number, number, boolean, Act];

const SMALL: Block[] = [
  [1, 16, 3, 2, true, 'relu'],
  [72 / 16, 24, 3, 2, false, 'relu'],
  [88 / 24, 24, 3, 1, false, 'relu'],
  [4, 40, 0, 2, true, 'hswish'],
  [6, 40, 0, 1, true, 'hswish'],
  [6, 40, 0, 1, true, 'hswish'],
  [3, 48, 0, 1, true, 'hswish'],
  [3, 48, 0, 1, true, 'hswish'],
  [6, 96, 0, 2, true, 'hswish'],
  [6, 96, 0, 1, true, 'hswish'],
  [6, 96, 0, 1, true, 'hswish'],
];

const LARGE: Block[] = [
  [1, 16, 3, 1, false, 'relu'],
  [4, 24, 3, 2, false, 'relu'],
  [3, 24, 3, 1, false, 'relu'],
  [3, 40, 0, 2, true, 'relu'],
  [3, 40, 0, 1, true, 'relu'],
  [3, 40, 0, 1, true, 'relu'],
  [6, 80, 3, 2, false, 'hswish'],
  [2.5, 80, 3, 1, false, 'hswish'],
  [2.3, 80, 3, 1, false, 'hswish'],
  [2.3, 80, 3, 1, false, 'hswish'],
  [6, 112, 3, 1, true, 'hswish'],
  [6, 112, 3, 1, true, 'hswish'],
  [6, 160, 0, 2, true, 'hswish'],
  [6, 160, 0, 1, true, 'hswish'],
  [6, 160, 0, 1, true, 'hswish'],
];

export function mobilenetV3Architecture(size: 'small' | 'large', opts: ArchitectureOptions & { alpha?: number } = {}): ApplicationArchitecture {
  const alpha = opts.alpha ?? 1.0;
  const inputSize = opts.inputSize ?? 224;
  const classes = opts.classes ?? 1000;
  const b = new ConfigBuilder('input_1', [inputSize, inputSize, 3], opts.width ?? ((_, f) => f));
  const bn = (name: string, x: string): string => b.bn(name, x, 1e-3, 0.999);
  const hardSigmoid = (x: string): string => {
    const relu = b.auto('re_lu');
    const shifted = b.tfOp('__operators__.add', x, 3.0);
    const clipped = b.add('ReLU', relu, { max_value: 6.0, negative_slope: 0.0, threshold: 0.0 }, [shifted], b.shape(x));
    return b.tfOp('math.multiply', clipped, 1.0 / 6.0);
  };
  // Keras names the Multiply first: `layers.Multiply()([x, hard_sigmoid(x)])` builds it before its argument.
  const hardSwish = (x: string): string => {
    const name = b.auto('multiply');
    return b.add('Multiply', name, {}, [x, hardSigmoid(x)], b.shape(x));
  };
  const relu = (x: string): string => b.add('ReLU', b.auto('re_lu'), { max_value: null, negative_slope: 0.0, threshold: 0.0 }, [x], b.shape(x));
  const activation = (a: Act, x: string): string => (a === 'relu' ? relu(x) : hardSwish(x));

  let x = b.add('Rescaling', b.auto('rescaling'), { scale: 1 / 127.5, offset: -1.0 }, ['input_1'], [inputSize, inputSize, 3]);
  x = b.conv('Conv', x, 16, 3, { strides: 2, padding: 'same', useBias: false });
  x = hardSwish(bn('Conv/BatchNorm', x));
  (size === 'small' ? SMALL : LARGE).forEach(([expansion, filters, k, stride, se, act], id) => {
    const kernel = k || 5;
    const shortcut = x;
    const inFilters = b.shape(x).at(-1)!;
    const prefix = id ? `expanded_conv_${id}/` : 'expanded_conv/';
    if (id) x = activation(act, bn(`${prefix}expand/BatchNorm`, b.conv(`${prefix}expand`, x, makeDivisible(inFilters * expansion), 1, { padding: 'same', useBias: false })));
    if (stride === 2) x = b.pad(`${prefix}depthwise/pad`, x, b.correctPad(x, kernel));
    x = b.depthwise(`${prefix}depthwise`, x, kernel, stride, stride === 1 ? 'same' : 'valid');
    x = activation(act, bn(`${prefix}depthwise/BatchNorm`, x));
    if (se) {
      const c = b.shape(x).at(-1)!;
      let s = b.add('GlobalAveragePooling2D', `${prefix}squeeze_excite/AvgPool`, { data_format: 'channels_last', keepdims: true }, [x], [1, 1, c]);
      s = b.conv(`${prefix}squeeze_excite/Conv`, s, makeDivisible(c * 0.25), 1, { padding: 'same' });
      s = b.add('ReLU', `${prefix}squeeze_excite/Relu`, { max_value: null, negative_slope: 0.0, threshold: 0.0 }, [s], b.shape(s));
      s = b.conv(`${prefix}squeeze_excite/Conv_1`, s, c, 1, { padding: 'same' });
      x = b.add('Multiply', `${prefix}squeeze_excite/Mul`, {}, [x, hardSigmoid(s)], b.shape(x));
    }
    x = bn(`${prefix}project/BatchNorm`, b.conv(`${prefix}project`, x, makeDivisible(filters * alpha), 1, { padding: 'same', useBias: false }));
    if (stride === 1 && inFilters === b.shape(x).at(-1)) x = b.addMerge(`${prefix}Add`, shortcut, x);
  });
  x = b.conv('Conv_1', x, makeDivisible(b.shape(x).at(-1)! * 6), 1, { padding: 'same', useBias: false });
  x = hardSwish(bn('Conv_1/BatchNorm', x));
  const camLayer = x;
  let out = x;
  if (classes > 0) {
    const lastPoint = size === 'small' ? 1024 : 1280;
    let y = b.add('GlobalAveragePooling2D', b.auto('global_average_pooling2d'), { data_format: 'channels_last', keepdims: true }, [x], [1, 1, b.shape(x).at(-1)!]);
    y = hardSwish(b.conv('Conv_2', y, alpha > 1 ? makeDivisible(lastPoint * alpha) : lastPoint, 1, { padding: 'same' }));
    y = b.add('Dropout', b.auto('dropout'), { rate: 0.2, noise_shape: null, seed: null }, [y], b.shape(y));
    y = b.conv('Logits', y, classes, 1, { padding: 'same' });
    y = b.add('Flatten', b.auto('flatten'), { data_format: 'channels_last' }, [y], [classes]);
    out = b.act('Predictions', y, 'softmax');
  }
  return b.finish('MobileNetV3', opts.name ?? `MobilenetV3${size}`, out, camLayer);
}
