/**
 * Keras layouts: every generation is recognised, layers come in model order, weights in
 * layer order, and the three synthetic VGG19 layouts give identical tensors.
 */
import { describe, expect, it } from 'vitest';
import { Hdf5Error } from '../../src/models/hdf5/index.js';
import {
  compareKeras3Keys,
  KerasFormatError,
  kerasSnakeCase,
  layersWithWeights,
  readKerasWeights,
  type KerasWeights,
} from '../../src/models/keras/index.js';
import { readKerasWeightsFile } from '../../src/models/keras/read-file.js';
import { expectations, fixturePath, readFixture } from './keras-fixtures.js';

/** Index of the first differing element (bitwise), -1 if identical (toEqual is slow on 400k floats). */
function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return i;
  return -1;
}

const read = (key: string): KerasWeights => readKerasWeights(readFixture(key), { name: key });

/** The expected layer list, from h5py's view of the file (attributes + datasets). */
function expectedLayers(key: string, weightRoot: string): { name: string; weights: { path: string; shape: number[] }[] }[] {
  const e = expectations[key]!;
  const rootAttrs = e.attributes[weightRoot]!;
  const names = (rootAttrs.layer_names ?? [...(rootAttrs.layer_names0 as string[]), ...(rootAttrs.layer_names1 as string[])]) as string[];
  return names.map((name) => {
    const groupPath = `${weightRoot === '/' ? '' : weightRoot}/${name}`;
    const weightNames = (e.attributes[groupPath]?.weight_names ?? []) as string[];
    return {
      name,
      weights: weightNames.map((w) => {
        const d = e.datasets.find((x) => x.path === `${groupPath}/${w}`)!;
        return { path: d.path, shape: d.shape };
      }),
    };
  });
}

describe.each([
  ['keras/hls4ml/KERAS_conv2d_model_weights.h5', 'keras2', '/', 'tensorflow', '2.0.0'],
  ['keras/hls4ml/jetTagger_Conv2D_Small_NoBatchNorm.h5', 'keras2', '/', 'tensorflow', '2.1.6'],
  ['keras/hls4ml/conv2d_1layer_weights.h5', 'keras2', '/', 'tensorflow', '2.13.1'],
  ['keras/hls4ml/conv2d_1layer.h5', 'keras2-model', '/model_weights', 'tensorflow', '2.13.1'],
  ['keras/pplonski_keras2cpp/my_nn_weights.h5', 'keras1-theano', '/', 'theano', undefined],
  ['keras/synthetic/tiny_vgg19_keras1.h5', 'keras1', '/', undefined, undefined],
  ['keras/synthetic/tiny_vgg19_keras2.h5', 'keras2', '/', 'tensorflow', '2.13.1'],
])('%s', (key, generation, weightRoot, backend, kerasVersion) => {
  const w = read(key);

  it(`is ${generation}`, () => {
    expect(w.generation).toBe(generation);
    expect(w.backend).toBe(backend);
    expect(w.kerasVersion).toBe(kerasVersion);
  });

  it('lists layers in layer_names order with weights in weight_names order, matching h5py', () => {
    const expected = expectedLayers(key, weightRoot);
    expect(w.layers.map((l) => l.name)).toEqual(expected.map((l) => l.name));
    w.layers.forEach((layer, i) => {
      expect(layer.weights.map((x) => ({ path: x.path, shape: [...x.shape] }))).toEqual(expected[i]!.weights);
      for (const weight of layer.weights) {
        const d = expectations[key]!.datasets.find((x) => x.path === weight.path)!;
        expect(weight.dtype).toBe('float32');
        expect(weight.data).toBeInstanceOf(Float32Array);
        expect(weight.data.length).toBe(weight.shape.reduce((a, b) => a * b, 1));
        expect(Array.from(weight.data.subarray(0, 5))).toEqual(d.first5);
        const sum = weight.data.reduce((a, b) => a + b, 0);
        expect(Math.abs(sum - d.sum)).toBeLessThan(1e-3 * Math.max(1, Math.abs(d.sum)));
      }
    });
  });
});

describe('Keras 2 full model', () => {
  it('parses model_config and takes class names from it', () => {
    const w = read('keras/hls4ml/conv2d_1layer.h5');
    expect((w.modelConfig as { class_name: string }).class_name).toBe('Sequential');
    expect(w.layers.map((l) => [l.name, l.className])).toEqual([['conv2d', 'Conv2D']]);
    expect(w.layers[0]!.path).toBe('/model_weights/conv2d');
  });
});

describe('Keras 3 .weights.h5', () => {
  const w = read('keras/synthetic/tiny_vgg19.weights.h5');

  it('names layers from the vars groups and sorts keys by numeric suffix', () => {
    expect(w.generation).toBe('keras3');
    const withWeights = layersWithWeights(w);
    expect(withWeights.map((l) => l.path.replace('/layers/', ''))).toEqual([
      ...Array.from({ length: 16 }, (_, i) => (i === 0 ? 'conv2d' : `conv2d_${i}`)),
      'dense',
      'dense_1',
      'dense_2',
    ]);
    expect(withWeights[10]!.name).toBe('block4_conv3');
    expect(withWeights.map((l) => l.weights.map((x) => x.name))).toEqual(withWeights.map(() => ['0', '1']));
  });

  it('compareKeras3Keys and kerasSnakeCase follow Keras', () => {
    expect(['conv2d_10', 'conv2d_2', 'conv2d', 'dense_1', 'conv2d_1'].sort(compareKeras3Keys)).toEqual([
      'conv2d',
      'conv2d_1',
      'conv2d_2',
      'conv2d_10',
      'dense_1',
    ]);
    expect(kerasSnakeCase('Conv2D')).toBe('conv2d');
    expect(kerasSnakeCase('MaxPooling2D')).toBe('max_pooling2d');
    expect(kerasSnakeCase('InputLayer')).toBe('input_layer');
    expect(kerasSnakeCase('BatchNormalization')).toBe('batch_normalization');
  });
});

describe('the three synthetic VGG19 layouts', () => {
  const layouts = ['keras/synthetic/tiny_vgg19_keras1.h5', 'keras/synthetic/tiny_vgg19_keras2.h5', 'keras/synthetic/tiny_vgg19.weights.h5'].map(
    (k) => layersWithWeights(read(k)),
  );

  it('give identical tensors, layer by layer', () => {
    const [k1, k2, k3] = layouts as [ReturnType<typeof layersWithWeights>, ReturnType<typeof layersWithWeights>, ReturnType<typeof layersWithWeights>];
    expect(k1.length).toBe(19);
    expect(k2.map((l) => l.name)).toEqual(k1.map((l) => l.name));
    expect(k3.map((l) => l.name)).toEqual(k1.map((l) => l.name));
    for (let i = 0; i < k1.length; i++) {
      for (const other of [k2, k3]) {
        expect(other[i]!.weights.length).toBe(2);
        for (let j = 0; j < 2; j++) {
          expect(other[i]!.weights[j]!.shape).toEqual(k1[i]!.weights[j]!.shape);
          expect(firstDifference(other[i]!.weights[j]!.data, k1[i]!.weights[j]!.data)).toBe(-1);
        }
      }
    }
  });

  it('have VGG19 shapes: 3x3 HWIO kernels with channels/16, fc1 (7*7*32, 256)', () => {
    const k1 = layouts[0]!;
    const chans = [4, 4, 8, 8, 16, 16, 16, 16, 32, 32, 32, 32, 32, 32, 32, 32];
    let cin = 3;
    chans.forEach((c, i) => {
      expect(k1[i]!.weights[0]!.shape).toEqual([3, 3, cin, c]);
      expect(k1[i]!.weights[1]!.shape).toEqual([c]);
      cin = c;
    });
    expect(k1[16]!.weights[0]!.shape).toEqual([7 * 7 * 32, 256]);
    expect(k1[18]!.weights[0]!.shape).toEqual([256, 1000]);
  });
});

describe('edge cases and errors', () => {
  it('accepts layer_names / weight_names split into numbered chunks', () => {
    const w = read('hdf5/keras_split_layer_names.h5');
    expect(w.generation).toBe('keras2');
    expect(w.layers.map((l) => l.name)).toEqual(['dense_1', 'dropout_1', 'dense_2']);
    expect(w.layers.map((l) => l.weights.map((x) => x.name))).toEqual([
      ['dense_1/kernel:0', 'dense_1/bias:0'],
      [],
      ['dense_2/kernel:0', 'dense_2/bias:0'],
    ]);
  });

  it('rejects a non-float weight, naming the dataset', () => {
    expect(() => read('hdf5/keras_int_weight.h5')).toThrow(KerasFormatError);
    expect(() => read('hdf5/keras_int_weight.h5')).toThrow(/"\/embedding_1\/embedding_1\/embeddings:0" holds int32/);
  });

  it('rejects an HDF5 file that holds no Keras weights', () => {
    expect(() => read('hdf5/features_v0.h5')).toThrow(/hdf5\/features_v0\.h5: not a Keras weight file/);
  });

  it('rejects what is not HDF5 with an Hdf5Error', () => {
    expect(() => readKerasWeights(new Uint8Array(100))).toThrow(Hdf5Error);
  });

  it('reads from a path in Node (.h5 and .keras)', () => {
    const w = readKerasWeightsFile(fixturePath('keras/synthetic/tiny_vgg19_keras1.h5'));
    expect(w.generation).toBe('keras1');
    expect(readKerasWeightsFile(fixturePath('hdf5/tiny_keras3_deflated.keras')).generation).toBe('keras3');
    expect(() => readKerasWeightsFile(fixturePath('hdf5/big_endian.h5'))).toThrow(/big_endian\.h5: not a Keras weight file/);
  });
});
