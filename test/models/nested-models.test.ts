/**
 * Nested models: the tiny functional ResNet body used as a layer of an outer Sequential (as
 * transfer learning does), with the Keras 2 weight grouping of a nested model (one group, weights
 * named <inner layer>/<weight>, trainable ones first). Inlined, its layers are the model's own.
 */
import { describe, expect, it } from 'vitest';
import { gradCam } from '../../src/attribution/grad-cam.js';
import { buildFromKerasConfig } from '../../src/models/keras-config.js';
import { splitNestedWeights } from '../../src/models/keras-nested.js';
import { summarizeModelConfig } from '../../src/models/model-summary.js';
import { fromArray } from '../../src/tensor/creation.js';
import { CIN, H, W, keras2Config, referenceForward, tinyResnetInput, tinyResnetWeightLayers, tinyResnetWeights } from '../helpers/tiny-resnet.js';

const f64 = { dtype: 'float64' as const };
const weights = tinyResnetWeights();
const ref = referenceForward(weights, tinyResnetInput());

/** The outer Sequential [InputLayer, tiny_resnet body (up to gap), predictions]. */
function nestedConfig(): object {
  const k2 = keras2Config() as { config: { layers: { name: string }[]; output_layers: unknown } };
  const body = { ...k2.config, name: 'tiny_resnet', layers: k2.config.layers.filter((l) => l.name !== 'predictions'), output_layers: [['gap', 0, 0]] };
  return {
    class_name: 'Sequential',
    config: {
      name: 'outer',
      layers: [
        { class_name: 'InputLayer', config: { batch_input_shape: [null, H, W, CIN], name: 'image' } },
        { class_name: 'Functional', config: body },
        { class_name: 'Dense', config: { name: 'predictions', units: 3, activation: 'softmax', use_bias: true } },
      ],
    },
  };
}

/** What a Keras 2 file holds for it: the body's weights in one group, trainable first. */
function nestedWeightLayers() {
  const layers = tinyResnetWeightLayers(weights);
  const inner = layers.filter((l) => l.name !== 'predictions').flatMap((l) => l.weights.map((w) => ({ ...w, name: `${l.name}/${w.name}` })));
  const trainable = inner.filter((w) => !w.name.includes('moving_'));
  const frozen = inner.filter((w) => w.name.includes('moving_'));
  return [
    { name: 'tiny_resnet', weights: [...trainable, ...frozen] },
    { ...layers.find((l) => l.name === 'predictions')!, weights: layers.find((l) => l.name === 'predictions')!.weights.map((w) => ({ ...w, name: `predictions/${w.name}` })) },
  ];
}

describe('nested models', () => {
  it('split a nested group’s weights back per inner layer, batch norm statistics after gamma and beta', () => {
    const split = splitNestedWeights(nestedWeightLayers()[0]!);
    expect(split.map((l) => l.name)).toEqual(['conv1', 'bn1', 'conv2', 'bn2']);
    expect(split[1]!.weights.map((w) => w.name)).toEqual(['bn1/gamma:0', 'bn1/beta:0', 'bn1/moving_mean:0', 'bn1/moving_variance:0']);
  });

  it('inline into one graph whose output matches the reference, with Grad-CAM inside the nested residual block', async () => {
    const model = buildFromKerasConfig(nestedConfig(), nestedWeightLayers(), f64);
    expect(model.name).toBe('outer');
    expect(model.layerNames).toEqual(['conv1', 'bn1', 'relu1', 'conv2', 'bn2', 'add', 'relu2', 'gap', 'predictions']);
    expect(model.inputsOfLayer('conv1')).toEqual(['image']);
    expect(model.inputsOfLayer('predictions')).toEqual(['gap']);
    const x = fromArray(tinyResnetInput(), [1, H, W, CIN], f64);
    const probs = await model.run(x).output.data();
    ref.probs.forEach((p, i) => expect(Math.abs(probs[i]! - p)).toBeLessThan(1e-12));
    const cam = await gradCam(model, x, { layers: ['conv2'] });
    expect(cam.maps[0]!.map.some((v) => v > 0)).toBe(true);
  });

  it('show in the model summary as their layers', () => {
    const s = summarizeModelConfig(nestedConfig());
    expect(s.kind).toBe('graph');
    expect(s.layers.map((l) => l.name)).toEqual(['image', 'conv1', 'bn1', 'relu1', 'conv2', 'bn2', 'add', 'relu2', 'gap', 'predictions']);
    expect(s.layers.every((l) => !l.unsupported)).toBe(true);
  });

  it('a Keras 3 functional model calling a nested Sequential preprocessing block (RandomFlip, Rescaling) inlines it', async () => {
    const tensor = (from: string) => ({ class_name: '__keras_tensor__', config: { shape: [null, 2, 2, 1], dtype: 'float32', keras_history: [from, 0, 0] } });
    const config = {
      module: 'keras',
      class_name: 'Functional',
      config: {
        name: 'with_preprocessing',
        layers: [
          { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, 2, 2, 1], name: 'pixels' }, name: 'pixels', inbound_nodes: [] },
          {
            module: 'keras',
            class_name: 'Sequential',
            config: {
              name: 'prep',
              layers: [
                { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, 2, 2, 1], name: 'prep_in' } },
                { module: 'keras.layers', class_name: 'RandomFlip', config: { name: 'flip', mode: 'horizontal' } },
                { module: 'keras.layers', class_name: 'Rescaling', config: { name: 'scale', scale: 0.5, offset: 1 } },
              ],
            },
            name: 'prep',
            inbound_nodes: [{ args: [tensor('pixels')], kwargs: {} }],
          },
          { module: 'keras.layers', class_name: 'Flatten', config: { name: 'flat' }, name: 'flat', inbound_nodes: [{ args: [tensor('prep')], kwargs: {} }] },
        ],
        input_layers: ['pixels', 0, 0],
        output_layers: ['flat', 0, 0],
      },
    };
    const model = buildFromKerasConfig(config, [], f64);
    expect(model.layerNames).toEqual(['flip', 'scale', 'flat']);
    expect(model.inputsOfLayer('flip')).toEqual(['pixels']);
    expect(model.inputsOfLayer('flat')).toEqual(['scale']);
    expect(Array.from(await model.run(fromArray([2, 4, 6, 8], [1, 2, 2, 1], f64)).output.data())).toEqual([2, 3, 4, 5]);
  });
});
