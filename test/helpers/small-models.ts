/** Small randomly initialised models for attribution tests (float64 on the CPU unless told). */
import { randomNormal } from '../../src/tensor/creation.js';
import type { DType } from '../../src/tensor/dtype.js';
import type { Backend } from '../../src/kernels/backend.js';
import { Conv2DLayer, DenseLayer, FlattenLayer, Pool2DLayer } from '../../src/models/layers.js';
import { noPreprocessing } from '../../src/models/preprocessing.js';
import { SequentialModel } from '../../src/models/sequential.js';

export interface SmallCnnOptions {
  dtype?: DType;
  backend?: Backend;
  seed?: number;
  size?: number;
  classes?: number;
  softmax?: boolean;
}

/** conv(3×3, 4, relu) → conv(3×3, 6, relu) → maxpool 2 → conv(3×3, 6, relu) → flatten → dense(softmax). */
export function smallCnn(opts: SmallCnnOptions = {}): SequentialModel {
  const dtype = opts.dtype ?? 'float64';
  const seed = opts.seed ?? 1;
  const size = opts.size ?? 8;
  const classes = opts.classes ?? 5;
  const o = (s: number) => ({ dtype, backend: opts.backend, seed: seed * 100 + s });
  const layers = [
    new Conv2DLayer('conv1', randomNormal([3, 3, 3, 4], 0, 0.4, o(1)), randomNormal([4], 0.05, 0.05, o(2)), { padding: 'same', activation: 'relu' }),
    new Conv2DLayer('conv2', randomNormal([3, 3, 4, 6], 0, 0.3, o(3)), randomNormal([6], 0.05, 0.05, o(4)), { padding: 'same', activation: 'relu' }),
    new Pool2DLayer('pool1', 'maxPool2d', { window: 2 }),
    new Conv2DLayer('conv3', randomNormal([3, 3, 6, 6], 0, 0.3, o(5)), randomNormal([6], 0.05, 0.05, o(6)), { padding: 'same', activation: 'relu' }),
    new FlattenLayer('flatten'),
    new DenseLayer('predictions', randomNormal([(size / 2) * (size / 2) * 6, classes], 0, 0.3, o(7)), randomNormal([classes], 0, 0.1, o(8)), opts.softmax === false ? 'linear' : 'softmax'),
  ];
  return new SequentialModel('small-cnn', layers, [size, size, 3], noPreprocessing);
}
