/**
 * Which channels-first kernels are flipped (issue 17, item 7): Keras 1 `dim_ordering: 'th'`
 * kernels are (Cout, Cin, kh, kw), flipped only when Theano trained them (the loader says so from
 * the file); Keras 2 `channels_first` kernels are HWIO like any other Keras 2 kernel.
 */
import { describe, expect, it } from 'vitest';
import { buildFromKerasConfig } from '../../src/models/keras-config.js';
import { fromArray } from '../../src/tensor/creation.js';

const f64 = { dtype: 'float64' as const };
const x = [1, 2, 3, 4, 5, 6, 7, 8, 9]; // one channel, 3 × 3
const k = [1, 10, 100, 1000]; // 2 × 2, asymmetric so a flip shows
/** Cross-correlation, valid: y[i][j] = Σ x[i+a][j+b]·k[a][b]. */
const correlate = (kk: number[]) => [0, 1, 3, 4].map((p) => x[p]! * kk[0]! + x[p + 1]! * kk[1]! + x[p + 3]! * kk[2]! + x[p + 4]! * kk[3]!);

function model(conv: Record<string, unknown>, theanoKernels?: boolean) {
  const config = { class_name: 'Sequential', config: [{ class_name: conv.dim_ordering ? 'Convolution2D' : 'Conv2D', config: { name: 'conv', padding: 'valid', border_mode: 'valid', batch_input_shape: [null, 1, 3, 3], ...conv } }] };
  const weights = [{ name: 'conv', weights: [{ name: 'k', shape: conv.dim_ordering ? [1, 1, 2, 2] : [2, 2, 1, 1], data: Float32Array.from(k) }, { name: 'b', shape: [1], data: new Float32Array(1) }] }];
  return buildFromKerasConfig(config, weights, { ...f64, theanoKernels });
}

describe('channels-first kernels', () => {
  it('Keras 1 th kernels are transposed, and flipped only for Theano', async () => {
    const run = async (theano: boolean) => Array.from(await model({ dim_ordering: 'th' }, theano).run(fromArray(x, [1, 3, 3, 1], f64)).output.data());
    expect(await run(false)).toEqual(correlate(k));
    expect(await run(true)).toEqual(correlate([...k].reverse()));
  });

  it('Keras 2 channels_first kernels are HWIO and never flipped', async () => {
    const y = await model({ data_format: 'channels_first' }, false).run(fromArray(x, [1, 3, 3, 1], f64)).output.data();
    expect(Array.from(y)).toEqual(correlate(k));
  });
});
