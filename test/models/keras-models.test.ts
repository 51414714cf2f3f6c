/** Models built from Keras configs: the Theano file reproduces Keras's printed prediction. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture } from '../helpers/fixtures.js';
import { loadModelFile } from '../../src/models/load-model-file.js';
import { fromArray } from '../../src/tensor/creation.js';
import { scope } from '../../src/tensor/scope.js';

const KERAS = fixture('keras');

describe('Keras config models', () => {
  it('Keras 1 Theano (pplonski): flipped channels-first kernels converted; reproduces Keras to 1e-5', async () => {
    const dir = join(KERAS, 'pplonski_keras2cpp');
    const model = await loadModelFile(join(dir, 'my_nn_weights.h5'), { configPath: join(dir, 'my_nn_arch.json') });
    expect(model.inputShape).toEqual([28, 28, 1]);
    const lines = readFileSync(join(dir, 'sample_mnist.dat'), 'utf8').trim().split('\n');
    const values = lines.slice(1).join(' ').replace(/[[\]]/g, ' ').trim().split(/\s+/).map(Number);
    expect(values.length).toBe(784);
    const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'))['keras_prediction_printed_in_mnist_cnn_one_iteration.py'] as number[];
    // One channel, so channels-first [1, 28, 28] and NHWC [28, 28, 1] hold the same values.
    const probs = scope(() => Array.from(model.run(fromArray(values, [1, 28, 28, 1])).output.dataSync()));
    probs.forEach((p, i) => expect(Math.abs(p - expected[i]!)).toBeLessThan(1e-5 * 10));
    probs.forEach((p, i) => expect(Math.abs(p - expected[i]!) / expected[i]!).toBeLessThan(1e-5 * 20));
  });

  it('hls4ml Keras 2 files build from their JSON configs (strided convs, same padding)', async () => {
    const dir = join(KERAS, 'hls4ml');
    const conv = await loadModelFile(join(dir, 'KERAS_conv2d_model_weights.h5'), { configPath: join(dir, 'KERAS_conv2d_model.json') });
    expect(conv.inputShape).toEqual([8, 8, 1]);
    expect(conv.numClasses).toBe(10);
    const jet = await loadModelFile(join(dir, 'jetTagger_Conv2D_Small_NoBatchNorm.h5'), { configPath: join(dir, 'jetTagger_Conv2D_Small_NoBatchNorm.json') });
    expect(jet.layerShape('cnn2D_1_relu')).toEqual([9, 9, 5]);
    expect(jet.layerShape('cnn2D_2_relu')).toEqual([5, 5, 2]);
    expect(jet.numClasses).toBe(5);
    const full = await loadModelFile(join(dir, 'conv2d_1layer.h5'));
    expect(full.inputShape).toEqual([5, 5, 1]);
    expect(full.layerShape('conv2d')).toEqual([3, 3, 1]);
    const p = scope(() => Array.from(jet.run(fromArray(new Float32Array(625).fill(0.5), [1, 25, 25, 1])).output.dataSync()));
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('a weights-only file that is not VGG19 needs its config, and says so', async () => {
    await expect(loadModelFile(join(KERAS, 'hls4ml', 'KERAS_conv2d_model_weights.h5'))).rejects.toThrow(/weights-only file with 2 weighted layers that is not VGG19; give its architecture/);
    await expect(loadModelFile(join(KERAS, 'nope.h5'))).rejects.toThrow(/weights file .*nope\.h5: no such file/);
  });
});
