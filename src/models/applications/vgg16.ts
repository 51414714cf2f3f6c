/**
 * tf.keras vgg16.py's VGG16: five blocks of 'same' 3×3 ReLU convolutions (64, 128, 256, 512, 512
 * filters; 2, 2, 3, 3, 3 of them) each closed by a 2×2 max pool, then flatten, fc1, fc2 (4096, ReLU)
 * and the softmax classifier. The flatten's width fixes the input size: a weights-only file with its
 * top says which size it was trained at (fc1's kernel rows = (size/32)² × block5's channels).
 */
import { ConfigBuilder } from './config-builder.js';
import type { ApplicationArchitecture, ArchitectureOptions } from './types.js';

const BLOCKS: [number, number][] = [
  [64, 2],
  [128, 2],
  [256, 3],
  [512, 3],
  [512, 3],
];

export function vgg16Architecture(opts: ArchitectureOptions = {}): ApplicationArchitecture {
  const size = opts.inputSize ?? 224;
  const classes = opts.classes ?? 1000;
  const b = new ConfigBuilder('input_1', [size, size, 3], opts.width ?? ((_, f) => f));
  let x = 'input_1';
  BLOCKS.forEach(([filters, convs], i) => {
    for (let j = 1; j <= convs; j++) {
      x = b.conv(`block${i + 1}_conv${j}`, x, filters, 3, { padding: 'same' });
      b.entries.at(-1)!.config.activation = 'relu';
    }
    x = b.pool('MaxPooling2D', `block${i + 1}_pool`, x, 2, 2);
  });
  let out = x;
  if (classes > 0) {
    const [h, w, c] = b.shape(x) as [number, number, number];
    let y = b.add('Flatten', 'flatten', { data_format: 'channels_last' }, [x], [h * w * c]);
    y = b.dense('fc1', y, b.width('fc1', 4096), 'relu');
    y = b.dense('fc2', y, b.width('fc2', 4096), 'relu');
    out = b.dense('predictions', y, classes, 'softmax');
  }
  return b.finish('VGG16', opts.name ?? 'vgg16', out, 'block5_conv3');
}

/** The input size a VGG16 top's fc1 kernel [rows, 4096] was built for (rows = (size/32)² × channels). */
export function vggInputSize(fc1Rows: number, channels: number): number | undefined {
  const side = Math.round(Math.sqrt(fc1Rows / channels));
  return side * side * channels === fc1Rows ? side * 32 : undefined;
}
