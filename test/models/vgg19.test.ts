/** VGG19 from the three synthetic layouts against the PyTorch reference (CPU). */
import { describe, expect, it } from 'vitest';
import { buildVgg19 } from '../../src/models/vgg19.js';
import { pixelsToInput } from '../../src/models/input.js';
import { fromArray } from '../../src/tensor/creation.js';
import { scope } from '../../src/tensor/scope.js';
import { loadTinyVgg19, tinyVgg19Reference } from '../helpers/tiny-vgg19.js';

/** Relative error, with values below `floor` × the largest |value| compared on that scale instead. */
function expectRelClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, floor = 1e-3): void {
  expect(actual.length).toBe(expected.length);
  const scale = Array.from(expected, Math.abs).reduce((a, v) => Math.max(a, v), 0);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / Math.max(Math.abs(expected[i]!), floor * scale));
  expect(worst).toBeLessThanOrEqual(rtol);
}

describe('VGG19 (synthetic tiny weights)', () => {
  it('the three layouts give identical models and the PyTorch probabilities to 1e-4 relative', async () => {
    const probs: Float32Array[] = [];
    for (const layout of ['keras1', 'keras2', 'keras3'] as const) {
      const model = await loadTinyVgg19(layout);
      expect(model.layerNames.slice(0, 3)).toEqual(['block1_conv1', 'block1_conv2', 'block1_pool']);
      expect(model.layerNames.at(-1)).toBe('predictions');
      expect(model.layerShape('block5_pool')).toEqual([7, 7, 32]);
      const p = scope(() => {
        const x = pixelsToInput(model, Float32Array.from(tinyVgg19Reference.rgb()));
        // Caffe preprocessing of the RGB bytes equals the reference's preprocessed input.
        expectRelClose(x.dataSync(), tinyVgg19Reference.preprocessed(), 1e-6);
        const { output, activations } = model.run(x, { capture: ['block5_pool'] });
        expectRelClose(activations.get('block5_pool')!.dataSync(), tinyVgg19Reference.block5Pool(), 1e-4);
        expectRelClose(model.run(x, { logits: true }).output.dataSync(), tinyVgg19Reference.logits(), 1e-4, 1e-2);
        return Float32Array.from(output.dataSync());
      });
      expectRelClose(p, tinyVgg19Reference.probabilities(), 1e-4);
      probs.push(p);
      model.dispose();
    }
    expect(Array.from(probs[1]!)).toEqual(Array.from(probs[0]!));
    expect(Array.from(probs[2]!)).toEqual(Array.from(probs[0]!));
  });

  it('a no-top file loads as a feature extractor; wrong shapes name the layer and both shapes', async () => {
    const full = await loadTinyVgg19('keras1');
    const layers = full.layers.map((l) => ({ name: l.name, weights: l.weights.map((w) => ({ name: l.name, shape: w.shape, data: w.dataSync() as Float32Array })) }));
    const notop = buildVgg19(layers.filter((l) => !['fc1', 'fc2', 'predictions'].includes(l.name)));
    expect(notop.layerNames.at(-1)).toBe('block5_pool');
    expect(notop.hasSoftmax).toBe(false);
    const out = scope(() => notop.run(fromArray(new Float32Array(224 * 224 * 3), [1, 224, 224, 3])).output.shape);
    expect(out).toEqual([1, 7, 7, 32]);
    const broken = layers.map((l) => (l.name === 'block2_conv1' ? { ...l, weights: [{ ...l.weights[0]!, shape: [3, 3, 5, 8] }, l.weights[1]!] } : l));
    expect(() => buildVgg19(broken)).toThrow(/layer block2_conv1 \(file layer block2_conv1\): kernel \[3, 3, 5, 8\] does not fit VGG19: expected \[3, 3, 4, Cout\]/);
    full.dispose();
    notop.dispose();
  });
});
