/**
 * keras.applications families recognised by their layer names, and the deeper variants of the
 * built architectures (ResNet101/152, ResNet101V2, DenseNet169/201) rebuilt from weight shapes
 * with Keras's block counts; Keras 2 MobileNetV3 and ConvNeXt are named with why they do not load.
 */
import { describe, expect, it } from 'vitest';
import { architectureFromWeights, denseNetArchitecture, recogniseFamily, resnetArchitecture, resnetV2Architecture } from '../../src/models/applications/index.js';
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

describe('recognised families that stieltjes does not build', () => {
  it.each([
    [['mixed_7a', 'conv_7b'], 'InceptionResNetV2', 'symmetric'],
    [['convnext_tiny_stem', 'convnext_tiny_stage_0_block_0_depthwise_conv'], 'ConvNeXt', 'none'],
  ] as const)('%j → %s (%s)', (names, family, rule) => {
    const f = recogniseFamily(names)!;
    expect([f.family, f.rule, f.buildable]).toEqual([family, rule, false]);
  });

  it('an unrelated model is no family', () => {
    expect(recogniseFamily(['conv1', 'bn1', 'relu1', 'conv2', 'predictions'])).toBeUndefined();
  });

  it("tf.keras 2's TFOpLambda functions beyond MobileNetV3's and ConvNeXt (LayerScale) layers are refused naming why", () => {
    const ctx = {} as Parameters<typeof buildKerasLayer>[3];
    expect(() => buildKerasLayer('TFOpLambda', { function: 'math.reduce_mean' }, 'tf.math.reduce_mean', ctx, [['x', 0, 0, { axis: -1 }]])).toThrow(
      /^layer tf\.math\.reduce_mean: TFOpLambda function tf\.math\.reduce_mean \(a TensorFlow call recorded by tf\.keras 2\) is not supported/,
    );
    expect(() => buildKerasLayer('LayerScale', {}, 'convnext_tiny_stage_0_block_0_layer_scale', ctx)).toThrow(/custom layer of tf\.keras 2's ConvNeXt/);
  });
});
