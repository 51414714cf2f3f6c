/**
 * keras.applications architectures written in Keras's own layouts with seeded weights, for tests:
 * the structure is Keras's (model_config, layer names, weight names and shapes as tf.keras 2.13's
 * keras.applications builds them: src/models/applications/), the weights are not ImageNet's.
 *
 * To keep tests fast the files are SMALL VARIANTS, labelled as such in their model names: a 64×64
 * input, 10 classes, and fewer channels (ResNet50 with every filter count divided by `widthDivisor`,
 * 8 by default: "resnet50_w8"; MobileNetV2 with Keras's own alpha = 0.35, which Keras offers for
 * real: "mobilenetv2_0.35"). Layer names, block structure, strides, paddings and the order of
 * weights are those of the full models.
 *
 * Usage: npx tsx scripts/keras-applications.ts OUT_DIR   (writes <family>.h5 and <family>.keras)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Random } from '../src/tensor/random.js';
import {
  convNeXtArchitecture,
  denseNetArchitecture,
  efficientNetArchitecture,
  efficientNetV2Architecture,
  inceptionResNetV2Architecture,
  inceptionV3Architecture,
  mobilenetArchitecture,
  mobilenetV3Architecture,
  mobilenetV2Architecture,
  resnetArchitecture,
  resnetV2Architecture,
  vgg16Architecture,
  xceptionArchitecture,
  type ApplicationArchitecture,
  type EfficientNetVariant,
} from '../src/models/applications/index.js';
import { writeKerasModelH5, type KerasLayerToWrite, type KerasWeight } from './keras-h5-writer.js';
import { writeKerasModelH5Nested } from './keras-weights-writer.js';

export const FAMILY_INPUT = 64;
export const FAMILY_CLASSES = 10;

export interface FamilyModel extends ApplicationArchitecture {
  /** Every layer but the input, in config order, with seeded weights as Keras 2 names them. */
  layers: KerasLayerToWrite[];
}

/**
 * Seeded weights for an architecture: He-normal kernels, inference statistics near (0, 1), and a
 * few gains so that activations keep a unit scale through deep residual stacks and the softmax
 * neither saturates nor flattens (first kernel /64 for caffe's ±128 inputs; the last batch norm or
 * convolution of each residual branch scaled down; `headGain` on the classifier).
 */
function seeded(arch: ApplicationArchitecture, seed: number, gains: { firstConv?: number; headGain?: number; bnVariance?: [number, number]; bothAddInputs?: boolean; firstAddInput?: boolean; headLayer?: string }): FamilyModel {
  const rng = new Random(seed);
  const normal = (n: number, std: number) => Float32Array.from({ length: n }, () => rng.normal(0, std));
  const uniform = (n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
  // The residual branch's last layer: the Add's second input (ResNet, MobileNetV2), its first
  // (EfficientNet adds [branch, shortcut]), or both (Xception); through a Dropout (identity here).
  const entries = new Map(arch.config.config.layers.map((e) => [e.name, e]));
  const throughDropout = (n: string): string => (entries.get(n)?.class_name === 'Dropout' ? (entries.get(n)!.inbound_nodes[0] as [string][])[0]![0] : n);
  const [from, to] = gains.bothAddInputs ? [0, 2] : gains.firstAddInput ? [0, 1] : [1, 2];
  const residualBn = new Set(
    arch.config.config.layers.filter((e) => e.class_name === 'Add').flatMap((e) => (e.inbound_nodes[0] as [string][]).slice(from, to).map((r) => throughDropout(r[0]))),
  );
  const first = arch.weights.find((w) => w.weights.length > 0)?.layer;
  // The classifier: a Dense 'predictions', or a 1×1 convolution ('Logits' in MobileNetV3).
  const head = gains.headLayer ?? 'predictions';
  const layers = arch.weights.map(({ layer, weights }) => ({
    name: layer,
    weights: weights.map(({ name: fullName, shape }): KerasWeight => {
      // A nested model's weights are named <inner layer>/<weight>: the kind is the last part.
      const w = { name: fullName.split('/').at(-1)!, shape };
      const n = w.shape.reduce((a, b) => a * b, 1);
      const fanIn = w.shape.length === 4 ? w.shape[0]! * w.shape[1]! * (w.name.startsWith('depthwise') ? 1 : w.shape[2]!) : w.shape[0]!;
      let data: Float32Array;
      if (w.name === 'kernel:0' && layer === head) data = normal(n, (gains.headGain ?? 1) / Math.sqrt(fanIn));
      else if (w.name === 'kernel:0' || w.name === 'depthwise_kernel:0' || w.name === 'pointwise_kernel:0') {
        // A residual branch that ends in a convolution (pre-activation ResNets) is kept small as well.
        // A separable convolution's two He-scaled kernels would double the variance: halve it back.
        const gain = (layer === first ? (gains.firstConv ?? 1) : residualBn.has(layer) ? 0.3 : 1) * (w.name === 'pointwise_kernel:0' ? Math.SQRT1_2 : 1);
        data = normal(n, gain * Math.sqrt(2 / fanIn));
      }
      else if (w.name === 'bias:0') data = normal(n, layer === head ? 0.1 : 0.05);
      else if (w.name === 'gamma:0') data = residualBn.has(layer) || layer.endsWith('_layer_scale') ? uniform(n, 0.15, 0.3) : uniform(n, 0.5, 1.0);
      else if (w.name === 'beta:0') data = normal(n, 0.1);
      else if (w.name === 'moving_mean:0') data = normal(n, 0.1);
      else data = uniform(n, ...(gains.bnVariance ?? [0.5, 1.5]));
      return { name: fullName, shape: w.shape, data };
    }),
  }));
  return { ...arch, layers };
}

/** ResNet50 with every filter count divided by `widthDivisor` (default 8): "resnet50_w8", 64×64, 10 classes. */
export function resnet50(opts: { widthDivisor?: number; seed?: number } = {}): FamilyModel {
  const d = opts.widthDivisor ?? 8;
  const arch = resnetArchitecture('ResNet50', { inputSize: FAMILY_INPUT, classes: FAMILY_CLASSES, width: (_, f) => f / d, name: `resnet50_w${d}` });
  return seeded(arch, opts.seed ?? 50, { firstConv: 1 / 64 });
}

/** MobileNetV2 at Keras's alpha = 0.35: "mobilenetv2_0.35_64", 64×64, 10 classes. */
export function mobilenetV2(opts: { alpha?: number; seed?: number } = {}): FamilyModel {
  const arch = mobilenetV2Architecture({ alpha: opts.alpha ?? 0.35, inputSize: FAMILY_INPUT, classes: FAMILY_CLASSES });
  return seeded(arch, opts.seed ?? 2, { headGain: 4 });
}

/** ResNet50V2 with every filter count divided by `widthDivisor` (default 8): "resnet50v2_w8", 64×64, 10 classes. */
export function resnet50V2(opts: { widthDivisor?: number; seed?: number } = {}): FamilyModel {
  const d = opts.widthDivisor ?? 8;
  const arch = resnetV2Architecture('ResNet50V2', { inputSize: FAMILY_INPUT, classes: FAMILY_CLASSES, width: (_, f) => f / d, name: `resnet50v2_w${d}` });
  return seeded(arch, opts.seed ?? 52, { headGain: 2 });
}

/** DenseNet121 with its growth rate and first convolution divided by `widthDivisor` (default 8): "densenet121_w8", 64×64, 10 classes. */
export function denseNet121(opts: { widthDivisor?: number; seed?: number } = {}): FamilyModel {
  const d = opts.widthDivisor ?? 8;
  // Transition convolutions halve whatever they receive: their width is not divided again.
  const width = (layer: string, f: number): number => (/^pool\d_conv$/.test(layer) ? f : f / d);
  const arch = denseNetArchitecture('DenseNet121', { inputSize: FAMILY_INPUT, classes: FAMILY_CLASSES, width, name: `densenet121_w${d}` });
  return seeded(arch, opts.seed ?? 121, { headGain: 2 });
}

/**
 * EfficientNetB0 (or another variant: B3 has 26 blocks and widths ×1.2) with its declared widths
 * (stem, block outputs, top) divided by `widthDivisor` (default 4): "efficientnetb0_w4", 64×64, 10
 * classes; built as keras.applications builds it for its ImageNet weights (rescaling_1 included).
 */
export function efficientNet(opts: { variant?: EfficientNetVariant; widthDivisor?: number; seed?: number } = {}): FamilyModel {
  const d = opts.widthDivisor ?? 4;
  const variant = opts.variant ?? 'B0';
  // Expansion and squeeze-excitation widths follow from the block's input: not divided again.
  const width = (layer: string, f: number): number => (/^(stem_conv|top_conv|block\d[a-z]_project_conv)$/.test(layer) ? Math.round(f / d) : f);
  // Swish and the sigmoid gates shrink the signal layer by layer: smaller variances keep it alive.
  const arch = efficientNetArchitecture(variant, { inputSize: FAMILY_INPUT, classes: FAMILY_CLASSES, width, name: `efficientnet${variant.toLowerCase()}_w${d}` });
  // How much each batch norm amplifies decides whether 16 or 26 gated blocks keep the signal alive
  // without saturating (measured: a few hundredths either way tips it).
  const m = seeded(arch, opts.seed ?? 7, { headGain: variant === 'B0' ? 3 : 6, bnVariance: variant === 'B0' ? [0.3, 0.45] : [0.4, 0.6], firstAddInput: true });
  // The Normalization layer holds the ImageNet mean and, as variance, the standard deviation (in 0–1
  // units, after Rescaling 1/255): with rescaling_1's 1/√std that divides by the std once.
  const norm = m.layers.find((l) => l.name === 'normalization')!;
  norm.weights = [
    { name: 'mean:0', shape: [3], data: Float32Array.of(0.485, 0.456, 0.406) },
    { name: 'variance:0', shape: [3], data: Float32Array.of(0.229, 0.224, 0.225) },
    { name: 'count:0', shape: [], data: Float32Array.of(1281167) },
  ];
  return m;
}

/** Xception with every width divided by `widthDivisor` (default 8): "xception_w8", 64×64 (below Keras's 71 for its weights; the structure runs), 10 classes. */
export function xception(opts: { widthDivisor?: number; seed?: number } = {}): FamilyModel {
  const d = opts.widthDivisor ?? 8;
  const arch = xceptionArchitecture({ inputSize: FAMILY_INPUT, classes: FAMILY_CLASSES, width: (_, f) => Math.round(f / d), name: `xception_w${d}` });
  // Seed 11: 71 put a max pooling's two largest within 4e-8 of each other (kinkMargin in the reference json).
  return seeded(arch, opts.seed ?? 11, { headGain: 2, bothAddInputs: true });
}

/** InceptionV3 with every width divided by `widthDivisor` (default 8): "inception_v3_w8", 107×107 (the smallest size whose mixed10 is 2×2), 10 classes. */
export function inceptionV3(opts: { widthDivisor?: number; seed?: number } = {}): FamilyModel {
  const d = opts.widthDivisor ?? 8;
  const arch = inceptionV3Architecture({ inputSize: 107, classes: FAMILY_CLASSES, width: (_, f) => Math.max(1, Math.round(f / d)), name: `inception_v3_w${d}` });
  return seeded(arch, opts.seed ?? 3, { headGain: 1 });
}

/** VGG16 with every width (convolutions, fc1, fc2) divided by `widthDivisor` (default 8): "vgg16_w8", 64×64, 10 classes. */
export function vgg16(opts: { widthDivisor?: number; seed?: number } = {}): FamilyModel {
  const d = opts.widthDivisor ?? 8;
  const arch = vgg16Architecture({ inputSize: FAMILY_INPUT, classes: FAMILY_CLASSES, width: (_, f) => f / d, name: `vgg16_w${d}` });
  return seeded(arch, opts.seed ?? 16, { firstConv: 1 / 64, headGain: 1 });
}

/** MobileNet (v1) at Keras's alpha = 0.25 (a width Keras publishes ImageNet weights for): "mobilenet_0.25_64", 64×64, 10 classes. */
export function mobilenet(opts: { alpha?: number; seed?: number } = {}): FamilyModel {
  const arch = mobilenetArchitecture({ alpha: opts.alpha ?? 0.25, inputSize: FAMILY_INPUT, classes: FAMILY_CLASSES });
  return seeded(arch, opts.seed ?? 1, { headGain: 2, bnVariance: [0.2, 0.35] });
}

/** MobileNetV3Small (or Large) at Keras's alpha = 0.75 (Keras publishes weights for it), 64×64, 10 classes: "MobilenetV3small_0.75_64". */
export function mobilenetV3Small(opts: { alpha?: number; seed?: number; size?: 'small' | 'large' } = {}): FamilyModel {
  const alpha = opts.alpha ?? 0.75;
  const size = opts.size ?? 'small';
  const arch = mobilenetV3Architecture(size, { alpha, inputSize: FAMILY_INPUT, classes: FAMILY_CLASSES, name: `MobilenetV3${size}_${alpha}_${FAMILY_INPUT}` });
  return seeded(arch, opts.seed ?? 3, { headGain: size === 'small' ? 8 : 1.5, bnVariance: [0.35, 0.6], headLayer: 'Logits' });
}

/**
 * InceptionResNetV2 with every width divided by `widthDivisor` (default 8; a block's _conv keeps its
 * input's width, as Keras makes it): "inception_resnet_v2_w8", 107×107 (mixed_7a 2×2), 10 classes.
 */
export function inceptionResNetV2(opts: { widthDivisor?: number; seed?: number } = {}): FamilyModel {
  const d = opts.widthDivisor ?? 8;
  const width = (layer: string, f: number): number => (/^block\d+_\d+_conv$/.test(layer) ? f : Math.max(1, Math.round(f / d)));
  const arch = inceptionResNetV2Architecture({ inputSize: 107, classes: FAMILY_CLASSES, width, name: `inception_resnet_v2_w${d}` });
  // Seed 7: 4 put a ReLU input within 1e-8 (relative) of 0 (kinkMargin in the reference json).
  return seeded(arch, opts.seed ?? 7, { headGain: 0.6 });
}

/** ConvNeXtTiny with every width divided by `widthDivisor` (default 8): "convnext_tiny_w8", 64×64 (stage 3 is 2×2), 10 classes. */
export function convNeXtTiny(opts: { widthDivisor?: number; seed?: number } = {}): FamilyModel {
  const d = opts.widthDivisor ?? 8;
  // The stage widths are the stem's and downsampling convolutions'; every block keeps its input's.
  const width = (layer: string, f: number): number => (/_(stem_conv|downsampling_conv_\d)$/.test(layer) ? f / d : f);
  const arch = convNeXtArchitecture('tiny', { inputSize: FAMILY_INPUT, classes: FAMILY_CLASSES, width, name: `convnext_tiny_w${d}` });
  return seeded(arch, opts.seed ?? 9, { headGain: 2, headLayer: 'convnext_tiny_head_dense' });
}

/** EfficientNetV2B0 with its declared widths (stem, block outputs, top) divided by `widthDivisor` (default 4): "efficientnetv2-b0_w4", 64×64, 10 classes. */
export function efficientNetV2B0(opts: { widthDivisor?: number; seed?: number } = {}): FamilyModel {
  const d = opts.widthDivisor ?? 4;
  const width = (layer: string, f: number): number => (/^(stem_conv|top_conv|block\d[a-z]_project_conv)$/.test(layer) ? Math.round(f / d) : f);
  const arch = efficientNetV2Architecture('B0', { inputSize: FAMILY_INPUT, classes: FAMILY_CLASSES, width, name: `efficientnetv2-b0_w${d}` });
  return seeded(arch, opts.seed ?? 20, { headGain: 1.5, bnVariance: [0.35, 0.6], firstAddInput: true });
}

/**
 * EfficientNetV2S with its declared widths divided by `widthDivisor` (default 4): "efficientnetv2-s_w4",
 * 64×64, 10 classes: S's own stages (a residual expansion-1 fused first stage, 40 blocks) and its
 * one-Rescaling preprocessing (1/128, offset −1).
 */
export function efficientNetV2S(opts: { widthDivisor?: number; seed?: number } = {}): FamilyModel {
  const d = opts.widthDivisor ?? 4;
  const width = (layer: string, f: number): number => (/^(stem_conv|top_conv|block\d[a-z]_project_conv)$/.test(layer) ? Math.round(f / d) : f);
  const arch = efficientNetV2Architecture('S', { inputSize: FAMILY_INPUT, classes: FAMILY_CLASSES, width, name: `efficientnetv2-s_w${d}` });
  // Over S's 40 blocks B0's statistics ([0.35, 0.6]) saturate (top activations near 300) and the
  // default ones ([0.5, 1.5]) wash the input out (black and test image score alike): between them.
  return seeded(arch, opts.seed ?? 21, { headGain: 3, bnVariance: [0.4, 0.8], firstAddInput: true });
}

/** Full-size ResNet50 or MobileNetV2 (224×224, 1000 classes) with seeded weights, for benchmarks. */
export function fullSizeFamily(key: 'resnet50' | 'mobilenetv2'): FamilyModel {
  if (key === 'resnet50') return seeded(resnetArchitecture('ResNet50', { name: 'resnet50' }), 50, { firstConv: 1 / 64 });
  return seeded(mobilenetV2Architecture({ alpha: 1.0 }), 2, { headGain: 4 });
}

export const FAMILY_BUILDERS = {
  resnet50,
  mobilenetv2: mobilenetV2,
  resnet50v2: resnet50V2,
  densenet121: denseNet121,
  efficientnetb0: () => efficientNet(),
  efficientnetb3: () => efficientNet({ variant: 'B3', seed: 3 }),
  xception,
  inceptionv3: inceptionV3,
  vgg16,
  mobilenet,
  mobilenetv3small: mobilenetV3Small,
  // Seed 13: 5 put a ReLU input within 1e-8 (relative) of 0 at IG's α = 0.5 (kinkMargin in the reference json).
  mobilenetv3large: () => mobilenetV3Small({ size: 'large', seed: 13 }),
  inceptionresnetv2: inceptionResNetV2,
  convnexttiny: convNeXtTiny,
  efficientnetv2b0: efficientNetV2B0,
  efficientnetv2s: efficientNetV2S,
} as const;

/** The model as Keras 2's full-model .h5 (model.save('m.h5') in tf.keras 2.13). */
export async function writeFamilyH5(path: string, m: FamilyModel): Promise<void> {
  const modelConfig = { ...m.config, keras_version: '2.13.1', backend: 'tensorflow' };
  // DenseNet's layer names hold slashes: nested groups, as h5py writes them.
  // (and ConvNeXt's nested Sequentials, whose weights are named <inner layer>/<weight>).
  if (m.layers.some((l) => l.name.includes('/') || l.weights.some((w) => w.name.includes('/')))) await writeKerasModelH5Nested(path, modelConfig, m.layers);
  else await writeKerasModelH5(path, { modelConfig, layers: m.layers });
}

export async function familyH5Bytes(m: FamilyModel): Promise<Uint8Array> {
  const dir = mkdtempSync(join(tmpdir(), 'stieltjes-family-'));
  try {
    await writeFamilyH5(join(dir, 'm.h5'), m);
    return Uint8Array.from(readFileSync(join(dir, 'm.h5')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A seeded test image in pixels (0–255, RGB, [H, W, 3]), from integers alone (Python computes the same). */
export function familyPixels(size = FAMILY_INPUT): Float64Array {
  const p = new Float64Array(size * size * 3);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) for (let c = 0; c < 3; c++) p[(y * size + x) * 3 + c] = (y * 31 + x * 17 + c * 89 + ((y * x) % 13) * 7) % 256;
  return p;
}

async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out) throw new Error('usage: npx tsx scripts/keras-applications.ts OUT_DIR');
  // Optional keys after OUT_DIR: only those families.
  const only = process.argv.slice(3);
  for (const [key, build] of Object.entries(FAMILY_BUILDERS)) {
    if (only.length > 0 && !only.includes(key)) continue;
    const m = build();
    await writeFamilyH5(join(out, `${key}.h5`), m);
    writeFileSync(join(out, `${key}.cam-layer.txt`), m.camLayer);
    process.stderr.write(`wrote ${join(out, `${key}.h5`)} (${m.config.config.name}, ${m.layers.length} layers)\n`);
  }
}

if (process.argv[1]?.endsWith('keras-applications.ts')) {
  main().catch((e: Error) => {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  });
}
