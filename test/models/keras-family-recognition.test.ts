/**
 * keras.applications families recognised by their layer names, and the deeper variants of the
 * built architectures (ResNet101/152, ResNet101V2, DenseNet169/201, EfficientNetB1–B7,
 * MobileNetV3Large, ConvNeXt's variants) rebuilt from weight shapes with Keras's block counts;
 * EfficientNetV2B0–B3 and S/M/L too (S/M/L: their own stages, M and L a seventh, and their
 * one-Rescaling preprocessing).
 */
import { describe, expect, it } from 'vitest';
import {
  architectureFromWeights,
  convNeXtArchitecture,
  denseNetArchitecture,
  efficientNetArchitecture,
  efficientNetV2Architecture,
  mobilenetV3Architecture,
  recogniseFamily,
  resnetArchitecture,
  resnetV2Architecture,
  type EfficientNetVariant,
} from '../../src/models/applications/index.js';
import { buildKerasLayer } from '../../src/models/keras-layer.js';

const asWeights = (a: ReturnType<typeof resnetArchitecture>) => a.weights.map((w) => ({ name: w.layer, weights: w.weights }));

describe('the deeper variants', () => {
  it.each([
    ['ResNet101', resnetArchitecture('ResNet101', { inputSize: 64, classes: 5 }), 23],
    ['ResNet152', resnetArchitecture('ResNet152', { inputSize: 64, classes: 5 }), 36],
    ['ResNet101V2', resnetV2Architecture('ResNet101V2', { inputSize: 64, classes: 5 }), 23],
    ['DenseNet169', denseNetArchitecture('DenseNet169', { inputSize: 64, classes: 5 }), 32],
    ['DenseNet201', denseNetArchitecture('DenseNet201', { inputSize: 64, classes: 5 }), 48],
  ] as const)('%s: recognised, and rebuilt from its weights with Keras\'s conv4 block count', (name, arch, conv4) => {
    const family = recogniseFamily(arch.config.config.layers.map((l) => l.name))!;
    expect(family.family).toBe(name.startsWith('DenseNet') ? 'DenseNet' : name);
    const rebuilt = architectureFromWeights(asWeights(arch), 64)!;
    expect(rebuilt.config.config.layers.map((l) => l.name)).toEqual(arch.config.config.layers.map((l) => l.name));
    const suffix = name.startsWith('DenseNet') ? '_concat' : '_out';
    expect(rebuilt.config.config.layers.filter((l) => new RegExp(`^conv4_block\\d+${suffix}$`).test(l.name))).toHaveLength(conv4);
    // The classifier's width comes from the file.
    expect(rebuilt.weights.find((w) => w.layer === 'predictions')!.weights[0]!.shape).toEqual([name.startsWith('DenseNet') ? (name === 'DenseNet169' ? 1664 : 1920) : 2048, 5]);
  });
});

describe('EfficientNetB1–B7 and MobileNetV3Large, told apart by their weights alone', () => {
  it.each([
    ['B1', 23, 1280, 240],
    ['B2', 23, 1408, 260],
    ['B3', 26, 1536, 300],
    ['B4', 32, 1792, 380],
    ['B5', 39, 2048, 456],
    ['B6', 45, 2304, 528],
    ['B7', 55, 2560, 600],
  ] as const)('EfficientNet%s: %i blocks, top_conv %i wide, default size %i', (variant: EfficientNetVariant, blocks, top, size) => {
    const arch = efficientNetArchitecture(variant, { inputSize: 64, classes: 5 });
    const names = arch.config.config.layers.map((l) => l.name);
    expect(names.filter((n) => /^block\d[a-z]_dwconv$/.test(n))).toHaveLength(blocks);
    expect(arch.weights.find((w) => w.layer === 'top_conv')!.weights[0]!.shape[3]).toBe(top);
    expect(recogniseFamily(names)).toMatchObject({ family: 'EfficientNet', rule: 'none', buildable: true });
    // B1 and B2 share their block counts: only the weights' widths tell them apart.
    const rebuilt = architectureFromWeights(asWeights(arch))!;
    expect(rebuilt.config.config.name).toBe(`efficientnet${variant.toLowerCase()}`);
    expect(rebuilt.config.config.layers[0]!.config.batch_input_shape).toEqual([null, size, size, 3]);
    expect(rebuilt.config.config.layers.map((l) => l.name)).toEqual(names);
  });

  it.each([
    ['small', 27, 768],
    ['base', 27, 1024],
  ] as const)('ConvNeXt %s: stage 2 has %i blocks, stage 3 is %i wide, rebuilt from its weights (nested stem groups)', (variant, stage2, width) => {
    const arch = convNeXtArchitecture(variant, { inputSize: 64, classes: 5 });
    const names = arch.config.config.layers.map((l) => l.name);
    expect(names.filter((n) => /^convnext_[a-z]+_stage_2_block_\d+_depthwise_conv$/.test(n))).toHaveLength(stage2);
    expect(recogniseFamily(names)).toMatchObject({ family: 'ConvNeXt', rule: 'none', buildable: true });
    const rebuilt = architectureFromWeights(arch.weights.map((w) => ({ name: w.layer, weights: w.weights })))!;
    expect(rebuilt.config.config.layers.map((l) => l.name)).toEqual(names);
    expect(rebuilt.weights.find((w) => w.layer === `convnext_${variant}_downsampling_block_2`)!.weights[2]!.shape).toEqual([2, 2, width / 2, width]);
  });

  it.each([
    ['B1', [2, 3, 3, 4, 6, 9], 240],
    ['B2', [2, 3, 3, 4, 6, 10], 260],
    ['B3', [2, 3, 3, 5, 7, 12], 300],
    ['S', [2, 4, 4, 6, 9, 15], 384],
    ['M', [3, 5, 5, 7, 14, 18, 5], 480],
    ['L', [4, 7, 7, 10, 19, 25, 7], 480],
  ] as const)('EfficientNetV2%s: blocks per stage %j, default size %i, rebuilt from its weights', (variant, stages, size) => {
    const arch = efficientNetV2Architecture(variant, { inputSize: 64, classes: 5 });
    const names = arch.config.config.layers.map((l) => l.name);
    expect(stages.map((_, i) => names.filter((n) => new RegExp(`^block${i + 1}[a-z]_project_conv$`).test(n)).length)).toEqual(stages);
    expect(names.some((n) => /^block8/.test(n))).toBe(false);
    expect(recogniseFamily(names)).toMatchObject({ family: 'EfficientNetV2', rule: 'none', inputSize: size, buildable: true });
    const rebuilt = architectureFromWeights(asWeights(arch))!;
    expect(rebuilt.config.config.name).toBe(`efficientnetv2-${variant.toLowerCase()}`);
    expect(rebuilt.config.config.layers.map((l) => l.name)).toEqual(names);
    expect(rebuilt.config.config.layers[0]!.config.batch_input_shape).toEqual([null, size, size, 3]);
  });

  it("EfficientNetV2S/M/L: efficientnet_v2.py's preprocessing for non-B names, one Rescaling by 1/128 with offset −1 (B0–B3: 1/255 and a Normalization)", () => {
    const layers = (v: 'B0' | 'S') => efficientNetV2Architecture(v, { inputSize: 64, classes: 5 }).config.config.layers;
    const s = layers('S');
    expect(s.slice(1, 3).map((l) => [l.class_name, l.name])).toEqual([['Rescaling', 'rescaling'], ['Conv2D', 'stem_conv']]);
    expect(s[1]!.config).toMatchObject({ scale: 1 / 128, offset: -1 });
    expect(layers('B0').slice(1, 3).map((l) => l.class_name)).toEqual(['Rescaling', 'Normalization']);
    // S's first stage: fused, expansion 1, 24 → 24 at stride 1: a k×k activated projection and a residual.
    expect(s.filter((l) => /^block1[ab]_(project_activation|add)$/.test(l.name)).map((l) => l.name)).toEqual(['block1a_project_activation', 'block1a_add', 'block1b_project_activation', 'block1b_add']);
  });

  it("MobileNetV3Large: recognised, rebuilt from its weights (expanded_conv_14, Logits' classes)", () => {
    const arch = mobilenetV3Architecture('large', { inputSize: 64, classes: 5 });
    const names = arch.config.config.layers.map((l) => l.name);
    expect(recogniseFamily(names)).toMatchObject({ family: 'MobileNetV3', rule: 'none', buildable: true });
    const rebuilt = architectureFromWeights(asWeights(arch), 64)!;
    expect(rebuilt.config.config.name).toBe('MobilenetV3large');
    expect(rebuilt.config.config.layers.map((l) => l.name)).toEqual(names);
    expect(names).toContain('expanded_conv_14/Add');
    expect(rebuilt.weights.find((w) => w.layer === 'Logits')!.weights[0]!.shape).toEqual([1, 1, 1280, 5]);
  });
});

describe('recognised families that stieltjes does not build', () => {
  it.each([
    // stem_conv and top_conv with blocks per stage of no Keras EfficientNetV2 variant.
    [['stem_conv', 'block1a_project_conv', 'top_conv'], 'EfficientNetV2', 'none'],
  ] as const)('%j → %s (%s)', (names, family, rule) => {
    const f = recogniseFamily(names)!;
    expect([f.family, f.rule, f.buildable]).toEqual([family, rule, false]);
  });

  it('an unrelated model is no family', () => {
    expect(recogniseFamily(['conv1', 'bn1', 'relu1', 'conv2', 'predictions'])).toBeUndefined();
  });

  it("tf.keras 2's TFOpLambda functions beyond MobileNetV3's (and ConvNeXt's residual add) are refused naming why", () => {
    const ctx = {} as Parameters<typeof buildKerasLayer>[3];
    expect(() => buildKerasLayer('TFOpLambda', { function: 'math.reduce_mean' }, 'tf.math.reduce_mean', ctx, [['x', 0, 0, { axis: -1 }]])).toThrow(
      /^layer tf\.math\.reduce_mean: TFOpLambda function tf\.math\.reduce_mean \(a TensorFlow call recorded by tf\.keras 2\) is not supported/,
    );
  });
});
