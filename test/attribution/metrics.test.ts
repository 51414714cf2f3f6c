import { describe, expect, it } from 'vitest';
import { deletionInsertion } from '../../src/attribution/metrics.js';
import { FlattenLayer, LambdaLayer } from '../../src/models/layers.js';
import { noPreprocessing } from '../../src/models/preprocessing.js';
import { SequentialModel } from '../../src/models/sequential.js';
import * as op from '../../src/autograd/ops.js';
import { fromArray, ones, zeros } from '../../src/tensor/creation.js';

/** A "model" whose single score is the mean of the first 4 of 16 pixels: only those matter. */
function cornerModel(): SequentialModel {
  const mask = fromArray(Float32Array.from({ length: 16 }, (_, i) => (i < 4 ? 0.25 : 0)), [1, 4, 4, 1]);
  const f = new LambdaLayer('score', (x) => op.sum(op.mul(x, mask), [1, 2, 3], { keepDims: true }), () => [1, 1, 1]);
  return new SequentialModel('corner', [f, new FlattenLayer('flatten')], [4, 4, 1], noPreprocessing);
}

describe('deletion and insertion AUC', () => {
  it('a map that ranks the relevant pixels first beats one that ranks them last', async () => {
    const model = cornerModel();
    const x = ones([1, 4, 4, 1]);
    const black = zeros([1, 4, 4, 1]);
    const good = Float32Array.from({ length: 16 }, (_, i) => (i < 4 ? 1 : 0));
    const bad = Float32Array.from({ length: 16 }, (_, i) => (i < 4 ? 0 : 1));
    const g = await deletionInsertion(model, x, good, { target: 0, steps: 4, deletionBaseline: black });
    const b = await deletionInsertion(model, x, bad, { target: 0, steps: 4, deletionBaseline: black });
    // Good map: the score drops to 0 after the first quarter of pixels, so deletion AUC = 1/8.
    expect(g.deletion.scores).toEqual([1, 0, 0, 0, 0]);
    expect(g.deletion.auc).toBeCloseTo(0.125, 10);
    expect(g.insertion.auc).toBeCloseTo(0.875, 10);
    expect(b.deletion.auc).toBeCloseTo(0.875, 10);
    expect(b.insertion.auc).toBeCloseTo(0.125, 10);
    expect(g.deletion.fractions).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });

  it('rejects a map of the wrong size', async () => {
    const model = cornerModel();
    await expect(deletionInsertion(model, ones([1, 4, 4, 1]), new Float32Array(3), { target: 0, deletionBaseline: zeros([1, 4, 4, 1]) })).rejects.toThrow(
      /the map has 3 values, the model input has 4×4 = 16 pixels/,
    );
  });
});
