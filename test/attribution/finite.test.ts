/**
 * Finite numbers or an error (issue 19): a NaN weight is refused at load naming layer and weight;
 * NaN inputs and baselines at each method's entry; a non-finite result names the first layer
 * whose activation is not finite; allowNonFinite keeps the raw numbers; the writer refuses NaN.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { explain } from '../../src/attribution/explain.js';
import { writeExplanation } from '../../src/attribution/explanation-writer.js';
import { firstNonFiniteLayer, NonFiniteError } from '../../src/attribution/finite.js';
import { gradCam } from '../../src/attribution/grad-cam.js';
import { integratedGradients } from '../../src/attribution/integrated-gradients.js';
import { optimizeBaseline } from '../../src/attribution/optimize-baseline.js';
import { rsiGradCam } from '../../src/attribution/rsi-grad-cam.js';
import { decodeNpy } from '../../src/io/npy.js';
import type { KerasWeights } from '../../src/models/keras/types.js';
import { modelFromKerasWeights } from '../../src/models/load-model.js';
import { readKerasFile } from '../../src/models/load-model-file.js';
import { fromArray } from '../../src/tensor/creation.js';

const DIGITS = join(__dirname, '..', '..', 'assets', 'digits', 'digits-cnn.h5');
const work = mkdtempSync(join(tmpdir(), 'stieltjes-finite-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The digit model's weights with element `index` of one weight replaced. */
function damaged(weights: KerasWeights, layer: string, weight: number, index: number, value: number): KerasWeights {
  return {
    ...weights,
    layers: weights.layers.map((l) =>
      l.name !== layer ? l : { ...l, weights: l.weights.map((w, i) => (i !== weight ? w : { ...w, data: Object.assign(Float32Array.from(w.data), { [index]: value }) })) },
    ),
  };
}

const { weights } = await readKerasFile(DIGITS);
const clean = modelFromKerasWeights(weights, { source: 'digits-cnn.h5' });
const [H, W, C] = clean.inputShape;
const image = (value = 0.5, at = -1): ReturnType<typeof fromArray> =>
  fromArray(Float32Array.from({ length: H * W * C }, (_, i) => (i === at ? value : 0.5)), [1, H, W, C]);

describe('weights at load', () => {
  it('a NaN or Inf weight is an error naming the layer, the weight and the element', () => {
    expect(() => modelFromKerasWeights(damaged(weights, 'fc1', 1, 3, NaN), { source: 'digits-cnn.h5' })).toThrow(
      /^digits-cnn\.h5: layer fc1, weight fc1\/bias:0: element 3 of 64 is NaN \(not finite\); the file is damaged/,
    );
    expect(() => modelFromKerasWeights(damaged(weights, 'block1_conv1', 0, 0, -Infinity))).toThrow(/layer block1_conv1, weight block1_conv1\/kernel:0: element 0 of 72 is -Infinity/);
  });
});

describe('results', () => {
  const nanModel = modelFromKerasWeights(damaged(weights, 'fc1', 1, 3, NaN), { allowNonFinite: true });

  it('names the first layer whose activation is not finite', async () => {
    expect(await firstNonFiniteLayer(nanModel, image())).toBe('fc1');
    expect(await firstNonFiniteLayer(clean, image())).toBeUndefined();
    expect(await firstNonFiniteLayer(clean, image(Infinity, 7))).toBe('input');
    const e = await explain(nanModel, image(), { method: 'grad-cam' }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(NonFiniteError);
    expect((e as NonFiniteError).where).toBe('fc1');
    expect((e as Error).message).toMatch(/^explain: the model output at the input element 0 is NaN \(not finite\); it first appears in layer fc1's activation at the input \(model .*\); pass allowNonFinite: true/);
  });

  it('optimizeBaseline names the layer too, before taking a step', async () => {
    await expect(optimizeBaseline(nanModel, { iterations: 50 })).rejects.toThrow(
      /^optimizeBaseline: at the starting point \(before any step\), minProbability element 0 is NaN \(not finite\); it first appears in layer fc1's activation at the baseline/,
    );
  });

  it("explain's allowNonFinite reaches the optimised baseline: its statistics may be NaN, the baseline itself is still checked", async () => {
    const opts = { method: 'integrated-gradients', target: 0, steps: 2, baseline: 'optimized', optimizeBaseline: { iterations: 1 } } as const;
    await expect(explain(nanModel, image(), opts)).rejects.toThrow(/^explain: the model output at the input element 0 is NaN/);
    // Allowed: optimizeBaseline no longer refuses its NaN starting statistics; what stops the run is explain's own baseline check.
    const e = await explain(nanModel, image(), { ...opts, allowNonFinite: true }).catch((err: unknown) => err as Error);
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).not.toMatch(/^optimizeBaseline:/);
    expect((e as Error).message).toMatch(/^explain: the baseline/);
  });

  it('allowNonFinite returns the raw numbers; the writer refuses them unless allowed too', async () => {
    const e = await explain(nanModel, image(), { method: 'grad-cam', allowNonFinite: true });
    expect(Number.isNaN(e.scores.output[0])).toBe(true);
    const dir = join(work, 'nan');
    await expect(writeExplanation(e, dir)).rejects.toThrow(/^cannot write the explanation: the model output: element 0 of 10 is NaN \(not finite\)/);
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(work)).toEqual([]);
    await writeExplanation(e, dir, { allowNonFinite: true });
    const p = decodeNpy(new Uint8Array(readFileSync(join(dir, 'probabilities.npy'))));
    expect(Number.isNaN(p.data[0])).toBe(true);
  });
});

describe('inputs and baselines at entry', () => {
  const bad = image(NaN, 5);
  const good = image();
  it.each([
    ['explain', () => explain(clean, bad, { method: 'grad-cam' }), /^explain: the input: element 5 of \d+ is NaN/],
    ['explain baseline', () => explain(clean, good, { method: 'integrated-gradients', steps: 2, baseline: bad }), /^explain: the baseline: element 5/],
    ['integratedGradients', () => integratedGradients(clean, good, { baseline: bad, steps: 2 }), /^integratedGradients: the baseline: element 5/],
    ['rsiGradCam', () => rsiGradCam(clean, bad, { baseline: good, steps: 2 }), /^rsiGradCam: the input: element 5/],
    ['gradCam', () => gradCam(clean, bad), /^gradCam: the input: element 5/],
    ['optimizeBaseline init', () => optimizeBaseline(clean, { iterations: 1, init: { height: H, width: W, channels: C, data: new Float32Array(H * W * C).fill(Infinity) } }), /^optimizeBaseline: init: element 0 .* is Infinity/],
    ['optimizeBaseline learning rate', () => optimizeBaseline(clean, { iterations: 1, learningRate: 0 }), /learningRate must be a positive finite number, got 0/],
  ])('%s', async (_name, run, message) => {
    await expect(run()).rejects.toThrow(message);
  });
});
