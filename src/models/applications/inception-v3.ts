/** tf.keras inception_v3.py: InceptionV3. */
import { ConfigBuilder } from './config-builder.js';
import type { ApplicationArchitecture, ArchitectureOptions } from './types.js';

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

