/** autoBatchSize: the batch that fits the working-set budget, counting what separable convolutions keep on the tape. */
import { expect, it } from 'vitest';
import { autoBatchSize } from '../../src/attribution/batching.js';
import type { LayeredModel } from '../../src/models/layered-model.js';

/** A model of one layer of `kind` with a 56×56×144 output, on a 56×56×3 input (only what autoBatchSize reads). */
function oneLayer(kind: string | undefined): LayeredModel {
  return {
    inputShape: [56, 56, 3],
    layerNames: ['l'],
    layerShape: () => [56, 56, 144],
    ...(kind === undefined ? {} : { layerKind: () => kind }),
  } as unknown as LayeredModel;
}

it('fits the budget: (input + outputs) × 4 bytes × 3 per example, never above what is wanted, never below 1', () => {
  const perExample = (56 * 56 * 3 + 56 * 56 * 144) * 4 * 3;
  expect(autoBatchSize(oneLayer('conv2d'), 1000, perExample * 7 + 1)).toBe(7);
  expect(autoBatchSize(oneLayer(undefined), 1000, perExample * 7 + 1)).toBe(7);
  expect(autoBatchSize(oneLayer('conv2d'), 5, perExample * 7 + 1)).toBe(5);
  expect(autoBatchSize(oneLayer('conv2d'), 5, 10)).toBe(1);
});

it('counts a separable convolution as two outputs (its depthwise output and its own), a depthwise one as one', () => {
  const perExample = (56 * 56 * 3 + 2 * 56 * 56 * 144) * 4 * 3;
  expect(autoBatchSize(oneLayer('separableConv2d'), 1000, perExample * 3 + 1)).toBe(3);
  expect(autoBatchSize(oneLayer('separableConv2d'), 1000, perExample * 3 - 1)).toBe(2);
  const single = (56 * 56 * 3 + 56 * 56 * 144) * 4 * 3;
  expect(autoBatchSize(oneLayer('depthwiseConv2d'), 1000, single * 7 + 1)).toBe(7);
  expect(autoBatchSize(oneLayer('depthwiseConv2d'), 1000, single * 7 - 1)).toBe(6);
});
