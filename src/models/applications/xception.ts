/** tf.keras xception.py: Xception. */
import { ConfigBuilder } from './config-builder.js';
import type { ApplicationArchitecture, ArchitectureOptions } from './types.js';

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

