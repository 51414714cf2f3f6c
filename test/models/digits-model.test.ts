/**
 * The bundled digit model (assets/digits, trained by scripts/train-digits.ts) loads through the
 * project's own HDF5 reader and buildFromKerasConfig, and classifies digits it never trained on.
 * The accuracy check needs the `mnist` devDependency for the held-out digits; it is skipped
 * where that package is absent. It runs on 100 digits here, on 500 in the slow tier
 * (digits-model.slow.test.ts).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/io/image-codec.js';
import { Hdf5File } from '../../src/models/hdf5/index.js';
import { imagePixels, pixelsToInput } from '../../src/models/input.js';
import { unitScale } from '../../src/models/preprocessing.js';
import type { SequentialModel } from '../../src/models/sequential.js';
import { scope } from '../../src/tensor/scope.js';
import { noGrad } from '../../src/autograd/tape.js';
import { HELD_OUT_COUNT, splitDigits, type Digit } from '../../scripts/digits-data.js';
import { argmaxRows } from '../../scripts/digits-evaluate.js';
import { DIGIT_MODEL_PATH, loadDigitModel, readModelWeights } from '../../scripts/digits-model-file.js';
import { heldOutAccuracy, mnistAvailable } from './digits-held-out.js';

const ASSETS = 'assets/digits';
const SAMPLES = join(ASSETS, 'samples');
const EXPECTED_LAYERS = ['block1_conv1', 'block1_conv2', 'block1_pool', 'block2_conv1', 'block2_conv2', 'block2_pool', 'flatten', 'fc1', 'predictions'];

const modelBytes = new Uint8Array(readFileSync(DIGIT_MODEL_PATH));
let model: SequentialModel;

beforeAll(() => {
  model = loadDigitModel(modelBytes);
});
afterAll(() => model?.dispose());

function samplesOnDisk(): { file: string; label: number; index: number }[] {
  return readdirSync(SAMPLES)
    .map((file) => /^digit-(\d)-(\d+)\.png$/.exec(file))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ file: m[0], label: Number(m[1]), index: Number(m[2]) }));
}

describe('bundled digit model file', () => {
  it('is a Keras 2.13 full-model file with the preprocessing marker', () => {
    const root = Hdf5File.open(modelBytes, { name: DIGIT_MODEL_PATH }).root;
    expect(root.attr('keras_version')?.strings()).toEqual(['2.13.1']);
    expect(root.attr('backend')?.strings()).toEqual(['tensorflow']);
    expect(root.attr('stieltjes_preprocessing')?.strings()).toEqual(['unit-scale']);
    const config = JSON.parse(root.attr('model_config')!.strings()[0]!) as { class_name: string; config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
    expect(config.class_name).toBe('Sequential');
    const [input, ...layers] = config.config.layers;
    expect(input!.class_name).toBe('InputLayer');
    expect(input!.config.batch_input_shape).toEqual([null, 28, 28, 1]);
    expect(layers.map((l) => l.config.name)).toEqual(EXPECTED_LAYERS);
    for (const l of layers.filter((l) => l.class_name === 'Conv2D')) {
      expect(l.config).toMatchObject({ kernel_size: [3, 3], padding: 'same', activation: 'relu' });
    }
    expect(layers.at(-1)!.config.activation).toBe('softmax');
  });

  it('stores kernel:0 and bias:0 for weighted layers in layer_names order, nothing for the others', () => {
    const layers = readModelWeights(Hdf5File.open(modelBytes), DIGIT_MODEL_PATH);
    expect(layers.map((l) => l.name)).toEqual(EXPECTED_LAYERS);
    for (const l of layers) {
      const weighted = l.name.includes('conv') || l.name === 'fc1' || l.name === 'predictions';
      expect(l.weights.map((w) => w.name)).toEqual(weighted ? [`${l.name}/kernel:0`, `${l.name}/bias:0`] : []);
      for (const w of l.weights) expect(w.data.every(Number.isFinite)).toBe(true);
    }
    const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
    const count = layers.flatMap((l) => l.weights).reduce((n, w) => n + size(w.shape), 0);
    const card = JSON.parse(readFileSync(join(ASSETS, 'model-card.json'), 'utf8')) as { parameterCount: number };
    expect(count).toBe(card.parameterCount);
  });

  it('builds a SequentialModel with the Keras layer names, a softmax head and unit-scale preprocessing', () => {
    expect(model.layerNames).toEqual(EXPECTED_LAYERS);
    expect(model.inputShape).toEqual([28, 28, 1]);
    expect(model.numClasses).toBe(10);
    expect(model.hasSoftmax).toBe(true);
    expect(model.preprocessing).toBe(unitScale);
    expect(model.layerShape('block2_pool')).toEqual([7, 7, 16]);
  });
});

describe('bundled digit samples', () => {
  it('has at least six held-out samples with different labels', () => {
    const labels = new Set(samplesOnDisk().map((s) => s.label));
    expect(labels.size).toBeGreaterThanOrEqual(6);
  });

  it('classifies every sample PNG as its label, with probabilities that sum to 1', () => {
    const samples = samplesOnDisk();
    for (const s of samples) {
      const image = decodeImage(new Uint8Array(readFileSync(join(SAMPLES, s.file))), s.file);
      expect([image.width, image.height]).toEqual([28, 28]);
      const probs = noGrad(() => scope(() => Float32Array.from(model.run(pixelsToInput(model, imagePixels(image, 1))).output.dataSync())));
      expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      expect({ file: s.file, predicted: argmaxRows(probs, 1, 10)[0] }).toEqual({ file: s.file, predicted: s.label });
    }
  });
});

describe.skipIf(!mnistAvailable)('bundled digit model on held-out mnist digits', () => {
  let heldOut: Digit[];
  let train: Digit[];
  beforeAll(() => {
    ({ heldOut, train } = splitDigits());
  });

  it('samples are held-out digits of the mnist package, pixel for pixel', () => {
    const byKey = new Map(heldOut.map((d) => [`${d.label}-${d.index}`, d]));
    const trainKeys = new Set(train.map((d) => `${d.label}-${d.index}`));
    expect(trainKeys.size + byKey.size).toBe(10_000);
    for (const s of samplesOnDisk()) {
      const key = `${s.label}-${s.index}`;
      expect(trainKeys.has(key)).toBe(false);
      const digit = byKey.get(key);
      expect(digit).toBeDefined();
      const image = decodeImage(new Uint8Array(readFileSync(join(SAMPLES, s.file))), s.file);
      expect(Array.from(imagePixels(image, 1))).toEqual(Array.from(digit!.pixels));
    }
  });

  // The first 100 of the seeded subset (98 right); the whole 500 are in digits-model.slow.test.ts.
  it('is at least 97% accurate on the first 100 of a seeded subset of held-out digits', () => {
    expect(heldOut.length).toBe(HELD_OUT_COUNT);
    expect(heldOutAccuracy(model, heldOut, 100)).toBeGreaterThanOrEqual(0.97);
  });
});
