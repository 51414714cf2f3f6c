/**
 * The full-size architectures stieltjes writes have exactly the parameter counts Keras's
 * model.summary() reports for keras.applications' models with their tops at the default sizes
 * ("Total params", batch norm statistics and EfficientNet's Normalization included): every weight
 * shape of every layer counts, so a missing layer, a wrong width rounding or a wrong block count
 * shows here. The counts are Keras's (its documentation and summaries), not computed by stieltjes.
 */
import { describe, expect, it } from 'vitest';
import {
  convNeXtArchitecture,
  denseNetArchitecture,
  efficientNetArchitecture,
  efficientNetV2Architecture,
  inceptionResNetV2Architecture,
  inceptionV3Architecture,
  mobilenetArchitecture,
  mobilenetV2Architecture,
  mobilenetV3Architecture,
  resnetArchitecture,
  vgg16Architecture,
  xceptionArchitecture,
  type ApplicationArchitecture,
} from '../../src/models/applications/index.js';

const count = (a: ApplicationArchitecture): number => a.weights.reduce((s, l) => s + l.weights.reduce((t, w) => t + w.shape.reduce((x, y) => x * y, 1), 0), 0);

describe("keras.applications' parameter counts", () => {
  it.each([
    ['VGG16', () => vgg16Architecture(), 138_357_544],
    ['MobileNet', () => mobilenetArchitecture(), 4_253_864],
    ['MobileNetV2', () => mobilenetV2Architecture(), 3_538_984],
    ['MobileNetV3Small', () => mobilenetV3Architecture('small'), 2_554_968],
    ['MobileNetV3Large', () => mobilenetV3Architecture('large'), 5_507_432],
    ['ResNet50', () => resnetArchitecture('ResNet50'), 25_636_712],
    ['InceptionV3', () => inceptionV3Architecture(), 23_851_784],
    ['InceptionResNetV2', () => inceptionResNetV2Architecture(), 55_873_736],
    ['Xception', () => xceptionArchitecture(), 22_910_480],
    ['DenseNet121', () => denseNetArchitecture('DenseNet121'), 8_062_504],
    ['EfficientNetB0', () => efficientNetArchitecture('B0'), 5_330_571],
    ['EfficientNetB1', () => efficientNetArchitecture('B1'), 7_856_239],
    ['EfficientNetB2', () => efficientNetArchitecture('B2'), 9_177_569],
    ['EfficientNetB3', () => efficientNetArchitecture('B3'), 12_320_535],
    ['EfficientNetB4', () => efficientNetArchitecture('B4'), 19_466_823],
    ['EfficientNetB5', () => efficientNetArchitecture('B5'), 30_562_527],
    ['EfficientNetB6', () => efficientNetArchitecture('B6'), 43_265_143],
    ['EfficientNetB7', () => efficientNetArchitecture('B7'), 66_658_687],
    ['EfficientNetV2B0', () => efficientNetV2Architecture('B0'), 7_200_312],
    ['EfficientNetV2S', () => efficientNetV2Architecture('S'), 21_612_360],
    ['EfficientNetV2M', () => efficientNetV2Architecture('M'), 54_431_388],
    ['EfficientNetV2L', () => efficientNetV2Architecture('L'), 119_027_848],
    ['ConvNeXtTiny', () => convNeXtArchitecture('tiny'), 28_589_128],
  ] as const)('%s: %i', (_, build, params) => {
    expect(count(build())).toBe(params);
  });
});
