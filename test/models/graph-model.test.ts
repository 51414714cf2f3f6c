/**
 * Graph (functional) models: a tiny ResNet-like model written in Keras 2's full-model .h5 layout
 * loads as a DAG, matches a plain-loop float64 reference, and Grad-CAM inside its residual block
 * (bypassed by the skip) and IG work on it. The Keras 3 config of the same model builds the same
 * graph.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { gradCam } from '../../src/attribution/grad-cam.js';
import { integratedGradients } from '../../src/attribution/integrated-gradients.js';
import { rsiGradCam } from '../../src/attribution/rsi-grad-cam.js';
import { BatchNormLayer } from '../../src/models/batch-norm-layer.js';
import { GraphModel } from '../../src/models/graph-model.js';
import { buildFromKerasConfig } from '../../src/models/keras-config.js';
import { modelFromBytes } from '../../src/models/load-model.js';
import { fromArray, zeros } from '../../src/tensor/creation.js';
import { scope } from '../../src/tensor/scope.js';
import { checkModelGradients } from '../../src/testing/gradcheck-suite.js';
import { writeKeras3Archive } from '../helpers/keras3-archive-writer.js';
import {
  C,
  CIN,
  H,
  W,
  keras2Config,
  keras3Config,
  referenceForward,
  referenceHead,
  tinyResnetInput,
  tinyResnetWeightLayers,
  tinyResnetWeights,
  tinyResnetH5Bytes,
} from '../helpers/tiny-resnet.js';

const f64 = { dtype: 'float64' as const };
const weights = tinyResnetWeights();
const xValues = tinyResnetInput();
const ref = referenceForward(weights, xValues);
let bytes: Uint8Array;

beforeAll(async () => {
  bytes = await tinyResnetH5Bytes(weights);
});

function maxRelErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  const scale = Math.max(...Array.from(want, Math.abs), 1e-12);
  let e = 0;
  for (let i = 0; i < want.length; i++) e = Math.max(e, Math.abs(got[i]! - want[i]!) / scale);
  return e;
}

describe('a functional Keras 2 .h5 (conv → BN → ReLU → conv → BN → Add(skip) → ReLU → GAP → Dense)', () => {
  it('loads as a DAG and matches the float64 reference in float64 (1e-12) and float32 (1e-5)', async () => {
    const model = (await modelFromBytes(bytes, { dtype: 'float64' })) as GraphModel;
    expect(model).toBeInstanceOf(GraphModel);
    expect(model.name).toBe('tiny_resnet');
    expect(model.layerNames).toEqual(['conv1', 'bn1', 'relu1', 'conv2', 'bn2', 'add', 'relu2', 'gap', 'predictions']);
    expect(model.inputsOfLayer('add')).toEqual(['bn2', 'relu1']);
    expect(model.isChain).toBe(false);
    expect(model.hasSoftmax).toBe(true);
    expect(model.numClasses).toBe(3);
    expect(model.layerShape('add')).toEqual([H, W, C]);
    expect(model.headInputs('conv2')).toEqual(['relu1']);
    expect(model.headInputs('relu2')).toEqual([]);
    const x = fromArray(xValues, [1, H, W, CIN], f64);
    const { output, activations } = model.run(x, { capture: ['relu1', 'conv2', 'relu2'] });
    expect(maxRelErr(await output.data(), ref.probs)).toBeLessThan(1e-12);
    expect(maxRelErr(await activations.get('conv2')!.data(), ref.conv2)).toBeLessThan(1e-12);
    expect(maxRelErr(await activations.get('relu2')!.data(), ref.relu2)).toBeLessThan(1e-12);
    expect(maxRelErr(await model.run(x, { logits: true }).output.data(), ref.logits)).toBeLessThan(1e-12);

    const m32 = await modelFromBytes(bytes);
    expect(maxRelErr(await m32.run(fromArray(xValues, [1, H, W, CIN], { dtype: 'float32' })).output.data(), ref.probs)).toBeLessThan(1e-5);
  });

  it('folds each batch norm into the convolution before it unless that convolution’s output is asked for', async () => {
    const model = await modelFromBytes(bytes, { dtype: 'float64' });
    const x = fromArray(xValues, [1, H, W, CIN], f64);
    const bn = vi.spyOn(BatchNormLayer.prototype, 'apply');
    try {
      const folded = await model.run(x).output.data();
      expect(bn).not.toHaveBeenCalled();
      const { output, activations } = model.run(x, { capture: ['conv1'] });
      expect(bn).toHaveBeenCalledTimes(1); // bn1 runs on its own; bn2 is still folded
      expect(maxRelErr(folded, ref.probs)).toBeLessThan(1e-12);
      expect(maxRelErr(await output.data(), ref.probs)).toBeLessThan(1e-12);
      expect(activations.get('conv1')!.shape).toEqual([1, H, W, 4]);
    } finally {
      bn.mockRestore();
    }
  });

  it('runs until a layer, and from a layer bypassed by the skip when the skip is given (and says so when not)', async () => {
    const model = await modelFromBytes(bytes, { dtype: 'float64' });
    const x = fromArray(xValues, [1, H, W, CIN], f64);
    scope(() => {
      const body = model.run(x, { until: 'conv2', capture: ['relu1', 'relu2'] });
      expect(body.output.shape).toEqual([1, H, W, C]);
      // relu2 lies downstream of conv2: a run until conv2 does not compute it.
      expect([...body.activations.keys()]).toEqual(['relu1']);
      expect(() => model.run(body.output, { from: 'conv2' })).toThrow(/running from conv2 to predictions also needs the outputs of relu1 \(connections that bypass conv2\)/);
      const head = model.run(body.output, { from: 'conv2', given: body.activations, capture: ['relu2'] });
      expect(maxRelErr(head.output.dataSync(), ref.probs)).toBeLessThan(1e-12);
      expect(maxRelErr(head.activations.get('relu2')!.dataSync(), ref.relu2)).toBeLessThan(1e-12);
      // From a layer every path goes through, nothing else is needed.
      const after = model.run(model.run(x, { until: 'relu2' }).output, { from: 'relu2' });
      expect(maxRelErr(after.output.dataSync(), ref.probs)).toBeLessThan(1e-12);
    });
  });

  it('Grad-CAM at conv2, inside the residual block, equals the map from finite differences of the reference head (skip held fixed)', async () => {
    const model = await modelFromBytes(bytes, { dtype: 'float64' });
    const x = fromArray(xValues, [1, H, W, CIN], f64);
    const target = ref.probs.indexOf(Math.max(...ref.probs));
    const cam = await gradCam(model, x, { layers: ['conv2', 'relu2'], target });
    // ∂p_c/∂A by central differences on the plain-loop head.
    const A = ref.conv2;
    const grad = new Float64Array(A.length);
    const h = 1e-6;
    for (let i = 0; i < A.length; i++) {
      const plus = Float64Array.from(A);
      const minus = Float64Array.from(A);
      plus[i]! += h;
      minus[i]! -= h;
      grad[i] = (referenceHead(weights, plus, ref.relu1).probs[target]! - referenceHead(weights, minus, ref.relu1).probs[target]!) / (2 * h);
    }
    const wk = new Float64Array(C);
    grad.forEach((g, i) => (wk[i % C] = wk[i % C]! + g / (H * W)));
    const map = new Float64Array(H * W).map((_, p) => Math.max(0, Array.from(wk).reduce((s, w, k) => s + w * A[p * C + k]!, 0)));
    const conv2 = cam.maps.find((m) => m.layer === 'conv2')!;
    expect(maxRelErr(conv2.weights, wk)).toBeLessThan(1e-6);
    expect(maxRelErr(conv2.map, map)).toBeLessThan(1e-6);
    expect(map.some((v) => v > 0)).toBe(true);
    expect(cam.maps.find((m) => m.layer === 'relu2')!.map.length).toBe(H * W);
  });

  it('IG is complete (δ → 0 with the steps), and RSI-Grad-CAM runs at layers inside and after the block', async () => {
    const model = await modelFromBytes(bytes, { dtype: 'float64' });
    const x = fromArray(xValues, [1, H, W, CIN], f64);
    const baseline = zeros([1, H, W, CIN], f64);
    // ReLU kinks along the path keep the quadrature error at O(1/m), so compare two step counts.
    const coarse = await integratedGradients(model, x, { baseline, steps: 8, rule: 'trapezoid' });
    const fine = await integratedGradients(model, x, { baseline, steps: 128, rule: 'trapezoid' });
    const change = Math.abs(fine.scoreInput - fine.scoreBaseline);
    expect(change).toBeGreaterThan(1e-3);
    expect(Math.abs(fine.delta)).toBeLessThan(5e-3 * change);
    expect(Math.abs(fine.delta)).toBeLessThan(Math.abs(coarse.delta));
    const rsi = await rsiGradCam(model, x, { baseline, layers: ['conv2', 'relu2'], steps: 32, rule: 'trapezoid' });
    const after = rsi.maps.find((m) => m.layer === 'relu2')!;
    // Every path goes through relu2, so its integral is the whole change of the score.
    expect(Math.abs(after.completenessDelta)).toBeLessThan(2e-3 * Math.abs(rsi.scoreInput - rsi.scoreBaseline) + 1e-6);
    const inside = rsi.maps.find((m) => m.layer === 'conv2')!;
    expect(inside.map.every(Number.isFinite)).toBe(true);
  });
});

describe('the model gradient check (stieltjes gradcheck --weights)', () => {
  it('passes at every layer of the graph, those inside the residual block included (float64 and float32 on the CPU)', async () => {
    const model = await modelFromBytes(bytes, { dtype: 'float64' });
    const backendModel = await modelFromBytes(bytes);
    const rows = await checkModelGradients(model, { directions: 2, backendModel });
    expect(rows.map((r) => r.name)).toEqual(['model:input', ...model.layerNames.slice(0, -1).map((l) => `model:${l}`)]);
    for (const r of rows) expect(r.ok, `${r.name}: ${JSON.stringify(r)}`).toBe(true);
  });
});

describe('Keras 3 functional configs (__keras_tensor__ / keras_history)', () => {
  it('build the same graph as the Keras 2 config and compute the same output', async () => {
    const layers = tinyResnetWeightLayers(weights);
    const m2 = buildFromKerasConfig(keras2Config(), layers, f64);
    const m3 = buildFromKerasConfig(keras3Config(), layers, f64);
    expect(m3.layerNames).toEqual(m2.layerNames);
    expect(m3.inputsOfLayer('add')).toEqual(['bn2', 'relu1']);
    const x = fromArray(xValues, [1, H, W, CIN], f64);
    expect(maxRelErr(await m3.run(x).output.data(), ref.probs)).toBeLessThan(1e-12);
  });

  it('a Keras 1 functional config (Convolution2D, Merge mode sum), stored as a twice-encoded JSON string, builds the same model', async () => {
    const k2 = keras2Config() as { config: { layers: { class_name: string; config: Record<string, unknown>; name: string; inbound_nodes: unknown[][][] }[] } };
    const layers = k2.config.layers.map((l) => {
      const inbound = l.inbound_nodes.map((node) => node.map((ref) => (ref as unknown[]).slice(0, 3)));
      if (l.class_name === 'Conv2D') {
        const { filters, kernel_size, padding, ...rest } = l.config;
        const [rows, cols] = kernel_size as number[];
        return { ...l, class_name: 'Convolution2D', config: { ...rest, nb_filter: filters, nb_row: rows, nb_col: cols, border_mode: padding, subsample: [1, 1], bias: true, dim_ordering: 'tf' }, inbound_nodes: inbound };
      }
      if (l.class_name === 'Add') return { ...l, class_name: 'Merge', config: { name: l.name, mode: 'sum' }, inbound_nodes: inbound };
      if (l.class_name === 'BatchNormalization') return { ...l, config: { name: l.name, epsilon: l.config.epsilon, mode: 0, axis: -1 }, inbound_nodes: inbound };
      return { ...l, inbound_nodes: inbound };
    });
    const k1 = { class_name: 'Model', config: { ...k2.config, layers }, keras_version: '1.2.2' };
    const m1 = buildFromKerasConfig(JSON.stringify(JSON.stringify(k1)), tinyResnetWeightLayers(weights), f64);
    expect(m1.name).toBe('tiny_resnet');
    expect(m1.inputsOfLayer('add')).toEqual(['bn2', 'relu1']);
    expect(maxRelErr(await m1.run(fromArray(xValues, [1, H, W, CIN], f64)).output.data(), ref.probs)).toBeLessThan(1e-12);
  });

  it('load from a .keras archive, whose weights are grouped by class (conv2d, batch_normalization_1, …), and match the reference', async () => {
    const keys: Record<string, string> = {
      input_1: 'input_layer', conv1: 'conv2d', bn1: 'batch_normalization', relu1: 'activation', conv2: 'conv2d_1', bn2: 'batch_normalization_1',
      add: 'add', relu2: 'activation_1', gap: 'global_average_pooling2d', predictions: 'dense',
    };
    const layers = [{ name: 'input_1', weights: [] }, ...tinyResnetWeightLayers(weights)].map((l) => ({ key: keys[l.name]!, name: l.name, vars: l.weights }));
    // Keras 3 writes groups in its own (alphabetical) order; the config orders them.
    layers.sort((a, b) => a.key.localeCompare(b.key));
    const archive = await writeKeras3Archive(keras3Config(), 'tiny_resnet', layers);
    const model = await modelFromBytes(archive, { dtype: 'float64', source: 'tiny_resnet.keras' });
    expect(model.layerNames).toEqual(['conv1', 'bn1', 'relu1', 'conv2', 'bn2', 'add', 'relu2', 'gap', 'predictions']);
    const x = fromArray(xValues, [1, H, W, CIN], f64);
    expect(maxRelErr(await model.run(x).output.data(), ref.probs)).toBeLessThan(1e-12);
  });
});
