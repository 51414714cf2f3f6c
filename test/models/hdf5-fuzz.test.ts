/**
 * Robustness: truncated files and flipped bytes must give either a sane result or an
 * Hdf5Error / KerasFormatError: never another exception, never a hang (the test timeout).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Hdf5Error, Hdf5File, type Hdf5Dataset } from '../../src/models/hdf5/index.js';
import { KerasFormatError, readKerasWeights } from '../../src/models/keras/index.js';
import { readFixture } from './keras-fixtures.js';
import { propertyRuns } from '../../src/testing/runs.js';

/** Small files, where most bytes are structure rather than weight data. */
const SMALL = [
  'keras/hls4ml/KERAS_conv2d_model_weights.h5',
  'keras/hls4ml/conv2d_1layer.h5',
  'keras/hls4ml/conv2d_1layer_weights.h5',
  'keras/hls4ml/jetTagger_Conv2D_Small_NoBatchNorm.h5',
  'keras/pplonski_keras2cpp/my_nn_weights.h5',
  'hdf5/features_v0.h5',
  'hdf5/features_v3.h5',
  'hdf5/dense_links.h5',
  'hdf5/dense_attributes.h5',
];
const LARGE = ['keras/synthetic/tiny_vgg19_keras1.h5', 'keras/synthetic/tiny_vgg19_keras2.h5', 'keras/synthetic/tiny_vgg19.weights.h5'];
const files = new Map([...SMALL, ...LARGE].map((k) => [k, readFixture(k)]));

const flip = (bytes: Uint8Array, at: number, mask: number): void => {
  bytes[at] = bytes[at]! ^ mask;
};

const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Reads everything the file holds; checks what is read is self-consistent. */
function readEverything(bytes: Uint8Array): void {
  const f = Hdf5File.open(bytes);
  const datasets: Hdf5Dataset[] = [];
  for (const a of f.root.attributes().values()) a.value();
  f.root.visit((o) => {
    for (const a of o.attributes().values()) a.value();
    if (o.kind === 'dataset') datasets.push(o);
  });
  for (const d of datasets) {
    try {
      const data = d.read();
      expect(data.length).toBe(product(d.shape));
    } catch (e) {
      if (!(e instanceof Hdf5Error)) throw e;
    }
  }
}

function readAsKeras(bytes: Uint8Array): void {
  const w = readKerasWeights(bytes);
  for (const layer of w.layers) {
    for (const weight of layer.weights) expect(weight.data.length).toBe(product(weight.shape));
  }
}

/** Runs `fn`, accepting success or one of our typed errors and nothing else. */
function survives(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof Hdf5Error || e instanceof KerasFormatError) return;
    throw e;
  }
}

describe('truncated files', () => {
  it('give a typed error or a sane result', () => {
    fc.assert(
      fc.property(fc.constantFrom(...files.keys()), fc.double({ min: 0, max: 1, noNaN: true }), (key, fraction) => {
        const bytes = files.get(key)!;
        const cut = bytes.subarray(0, Math.floor(bytes.length * fraction));
        survives(() => readEverything(cut));
        survives(() => readAsKeras(cut));
      }),
      { numRuns: propertyRuns(30) },
    );
  });
});

describe('flipped bytes', () => {
  const flips = fc.array(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), mask: fc.integer({ min: 1, max: 255 }) }), {
    minLength: 1,
    maxLength: 6,
  });

  it('in small files give a typed error or a sane result', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SMALL), flips, (key, changes) => {
        const bytes = files.get(key)!.slice();
        for (const { at, mask } of changes) flip(bytes, Math.floor(at * bytes.length), mask);
        survives(() => readEverything(bytes));
        survives(() => readAsKeras(bytes));
      }),
      { numRuns: propertyRuns(30) },
    );
  });

  it('in the metadata of the synthetic VGG19 files give a typed error or a sane result', () => {
    // Their first 12 KB hold the superblock, root group, heaps and most object headers.
    fc.assert(
      fc.property(fc.constantFrom(...LARGE), flips, (key, changes) => {
        const bytes = files.get(key)!.slice();
        for (const { at, mask } of changes) flip(bytes, Math.floor(at * 12_288), mask);
        survives(() => readEverything(bytes));
        survives(() => readAsKeras(bytes));
      }),
      { numRuns: propertyRuns(20) },
    );
  });
});
