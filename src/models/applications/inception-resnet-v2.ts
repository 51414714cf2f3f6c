/**
 * tf.keras inception_resnet_v2.py's InceptionResNetV2: conv2d_bn units with Keras's automatic
 * names (conv2d_k, batch_normalization_k without scale, activation_k) except where Keras names
 * them (blockN_k_conv, conv_7b), mixed_5b, 10 block35 (scale 0.17), mixed_6a, 20 block17 (0.1),
 * mixed_7a, 10 block8 (0.2; the last 1.0 without activation), conv_7b. Each block adds its residual
 * through tf.keras 2.13's CustomScaleLayer (automatically named custom_scale_layer[_k]), which
 * Keras registers as a serializable class: the config names it `Custom>CustomScaleLayer`.
 */
import { ConfigBuilder } from './config-builder.js';
import type { ApplicationArchitecture, ArchitectureOptions } from './types.js';

export const CUSTOM_SCALE_CLASS = 'Custom>CustomScaleLayer';

export function inceptionResNetV2Architecture(opts: ArchitectureOptions = {}): ApplicationArchitecture {
  const size = opts.inputSize ?? 299;
  const classes = opts.classes ?? 1000;
  const b = new ConfigBuilder('input_1', [size, size, 3], opts.width ?? ((_, f) => f));
  type Unit = { strides?: number; padding?: 'same' | 'valid'; activation?: string | null; useBias?: boolean; name?: string };
  const convBn = (x: string, filters: number, k: number | [number, number], u: Unit = {}): string => {
    const [kh, kw] = typeof k === 'number' ? [k, k] : k;
    const useBias = u.useBias ?? false;
    let y = b.conv(u.name ?? b.auto('conv2d'), x, filters, kh, { kw, strides: u.strides ?? 1, padding: u.padding ?? 'same', useBias });
    if (!useBias) y = b.bn(u.name ? `${u.name}_bn` : b.auto('batch_normalization'), y, 1e-3, 0.99, false);
    const activation = u.activation === undefined ? 'relu' : u.activation;
    if (activation !== null) y = b.act(u.name ? `${u.name}_ac` : b.auto('activation'), y, activation);
    return y;
  };
  const maxPool = (x: string): string => b.pool('MaxPooling2D', b.auto('max_pooling2d'), x, 3, 2);
  const valid = { padding: 'valid' } as const;
  let x = convBn('input_1', 32, 3, { strides: 2, padding: 'valid' });
  x = convBn(x, 32, 3, valid);
  x = convBn(x, 64, 3);
  x = maxPool(x);
  x = convBn(x, 80, 1, valid);
  x = convBn(x, 192, 3, valid);
  x = maxPool(x);
  {
    const b0 = convBn(x, 96, 1);
    const b1 = convBn(convBn(x, 48, 1), 64, 5);
    const b2 = convBn(convBn(convBn(x, 64, 1), 96, 3), 96, 3);
    const bp = convBn(b.pool('AveragePooling2D', b.auto('average_pooling2d'), x, 3, 1, 'same'), 64, 1);
    x = b.concat('mixed_5b', [b0, b1, b2, bp]);
  }
  const block = (input: string, scale: number, type: 'block35' | 'block17' | 'block8', idx: number, activation: string | null = 'relu'): string => {
    let branches: string[];
    if (type === 'block35') {
      branches = [convBn(input, 32, 1), convBn(convBn(input, 32, 1), 32, 3), convBn(convBn(convBn(input, 32, 1), 48, 3), 64, 3)];
    } else if (type === 'block17') {
      branches = [convBn(input, 192, 1), convBn(convBn(convBn(input, 128, 1), 160, [1, 7]), 192, [7, 1])];
    } else {
      branches = [convBn(input, 192, 1), convBn(convBn(convBn(input, 192, 1), 224, [1, 3]), 256, [3, 1])];
    }
    const name = `${type}_${idx}`;
    const mixed = b.concat(`${name}_mixed`, branches);
    const up = convBn(mixed, b.shape(input).at(-1)!, 1, { activation: null, useBias: true, name: `${name}_conv` });
    let y = b.add(CUSTOM_SCALE_CLASS, b.auto('custom_scale_layer'), { scale }, [input, up], b.shape(input));
    if (activation !== null) y = b.act(`${name}_ac`, y, activation);
    return y;
  };
  for (let i = 1; i <= 10; i++) x = block(x, 0.17, 'block35', i);
  {
    const b0 = convBn(x, 384, 3, { strides: 2, padding: 'valid' });
    const b1 = convBn(convBn(convBn(x, 256, 1), 256, 3), 384, 3, { strides: 2, padding: 'valid' });
    x = b.concat('mixed_6a', [b0, b1, maxPool(x)]);
  }
  for (let i = 1; i <= 20; i++) x = block(x, 0.1, 'block17', i);
  {
    const b0 = convBn(convBn(x, 256, 1), 384, 3, { strides: 2, padding: 'valid' });
    const b1 = convBn(convBn(x, 256, 1), 288, 3, { strides: 2, padding: 'valid' });
    const b2 = convBn(convBn(convBn(x, 256, 1), 288, 3), 320, 3, { strides: 2, padding: 'valid' });
    x = b.concat('mixed_7a', [b0, b1, b2, maxPool(x)]);
  }
  for (let i = 1; i <= 9; i++) x = block(x, 0.2, 'block8', i);
  x = block(x, 1.0, 'block8', 10, null);
  x = convBn(x, 1536, 1, { name: 'conv_7b' });
  const out = classes > 0 ? b.top(x, 'avg_pool', classes) : x;
  return b.finish('InceptionResNetV2', opts.name ?? 'inception_resnet_v2', out, 'conv_7b_ac');
}
