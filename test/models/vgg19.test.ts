/** VGG19 from the three synthetic layouts (shown identical) against the PyTorch reference (CPU). */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { GraphLayer } from '../../src/models/graph-model.js';
import { buildVgg19 } from '../../src/models/vgg19.js';
import { pixelsToInput } from '../../src/models/input.js';
import { fromArray } from '../../src/tensor/creation.js';
import { scope } from '../../src/tensor/scope.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { loadTinyVgg19, tinyVgg19Reference } from '../helpers/tiny-vgg19.js';

/**
 * A layer as data: its own fields, each weight tensor as its shape, dtype and a SHA-256 of its
 * bytes (equal hashes: bit-identical weights).
 */
function layerIdentity(layer: GraphLayer): Record<string, unknown> {
  const out: Record<string, unknown> = { class: layer.constructor.name };
  for (const [key, value] of Object.entries(layer)) {
    if (value instanceof Tensor) {
      const data = value.dataSync();
      out[key] = { shape: value.shape, dtype: value.dtype, sha256: createHash('sha256').update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest('hex') };
    } else out[key] = value;
  }
  return out;
}

/** Relative error, with values below `floor` × the largest |value| compared on that scale instead. */
function expectRelClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, floor = 1e-3): void {
  expect(actual.length).toBe(expected.length);
  const scale = Array.from(expected, Math.abs).reduce((a, v) => Math.max(a, v), 0);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / Math.max(Math.abs(expected[i]!), floor * scale));
  expect(worst).toBeLessThanOrEqual(rtol);
}

describe('VGG19 (synthetic tiny weights)', () => {
  it('the three layouts give identical models, and the PyTorch probabilities to 1e-4 relative', async () => {
    // The layouts differ only in how the file stores the same layers and weights: equal layers
    // (kind, options, weight shapes and bytes) and preprocessing make equal models, so one of them
    // runs the 224×224 network (running all three cost three times the CPU for the same numbers).
    const [keras1, keras2, keras3] = await Promise.all((['keras1', 'keras2', 'keras3'] as const).map((layout) => loadTinyVgg19(layout)));
    for (const model of [keras1!, keras2!, keras3!]) {
      expect(model.layerNames.slice(0, 3)).toEqual(['block1_conv1', 'block1_conv2', 'block1_pool']);
      expect(model.layerNames.at(-1)).toBe('predictions');
      expect(model.layerShape('block5_pool')).toEqual([7, 7, 32]);
    }
    const layers1 = keras1!.layers.map(layerIdentity);
    // 16 convolutions and 3 dense layers, a kernel and a bias each: every weight is compared.
    expect(layers1.flatMap((l) => Object.values(l)).filter((v) => typeof v === 'object' && v !== null && 'sha256' in v)).toHaveLength(38);
    for (const other of [keras2!, keras3!]) {
      expect(other.layers.map(layerIdentity)).toEqual(layers1);
      expect(other.preprocessing).toEqual(keras1!.preprocessing);
      expect(other.inputShape).toEqual(keras1!.inputShape);
    }
    const p = scope(() => {
      const x = pixelsToInput(keras1!, Float32Array.from(tinyVgg19Reference.rgb()));
      // Caffe preprocessing of the RGB bytes equals the reference's preprocessed input.
      expectRelClose(x.dataSync(), tinyVgg19Reference.preprocessed(), 1e-6);
      const { output, activations } = keras1!.run(x, { capture: ['block5_pool', 'fc2'] });
      expectRelClose(activations.get('block5_pool')!.dataSync(), tinyVgg19Reference.block5Pool(), 1e-4);
      // The logits from fc2's output through the last layer alone: the same arithmetic as a
      // second whole pass with logits: true, without the 224×224 convolutions again.
      const logits = keras1!.run(activations.get('fc2')!, { from: 'fc2', logits: true }).output;
      expect(logits.shape).toEqual([1, 1000]);
      expectRelClose(logits.dataSync(), tinyVgg19Reference.logits(), 1e-4, 1e-2);
      return Float32Array.from(output.dataSync());
    });
    expectRelClose(p, tinyVgg19Reference.probabilities(), 1e-4);
    for (const model of [keras1!, keras2!, keras3!]) model.dispose();
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
