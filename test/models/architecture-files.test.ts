/**
 * Issue 17 item 1's leftovers: architectures given apart from the weights (Keras 1/2 YAML from
 * `model.to_yaml()`, JSON stored again as a string), shared layers (one layer called at two
 * nodes), models with several inputs or outputs refused in one line, and hard_sigmoid as each
 * Keras generation defines it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeKerasWeightsH5 } from '../../scripts/keras-weights-writer.js';
import { buildFromKerasConfig } from '../../src/models/keras-config.js';
import { parseKerasYaml } from '../../src/models/keras-yaml.js';
import { loadModelFile, parseModelConfigText } from '../../src/models/load-model-file.js';
import { fromArray } from '../../src/tensor/creation.js';
import { Random } from '../../src/tensor/random.js';
import { fixture } from '../helpers/fixtures.js';
import { readFileSync } from 'node:fs';
import { CIN, H, W, keras2Config, referenceForward, tinyResnetInput, tinyResnetWeightLayers, tinyResnetWeights } from '../helpers/tiny-resnet.js';

const dir = mkdtempSync(join(tmpdir(), 'stj-arch-'));
const weights = tinyResnetWeights();
const xs = tinyResnetInput();
const ref = referenceForward(weights, xs);
const weightsOnly = join(dir, 'tiny_resnet_weights.h5');

beforeAll(async () => {
  await writeKerasWeightsH5(weightsOnly, tinyResnetWeightLayers(weights));
});

function maxRel(got: ArrayLike<number>, want: ArrayLike<number>): number {
  const scale = Math.max(...Array.from(want, Math.abs), 1e-12);
  let e = 0;
  for (let i = 0; i < want.length; i++) e = Math.max(e, Math.abs(got[i]! - want[i]!) / scale);
  return e;
}

async function forward(path: string, configPath: string): Promise<Float32Array> {
  const model = await loadModelFile(path, { configPath, dtype: 'float64' });
  const y = model.run(fromArray(xs, [1, H, W, CIN], { dtype: 'float64' })).output;
  return Float32Array.from(await y.data());
}

describe('a weights-only file with its architecture given apart', () => {
  const yamlPath = fixture('keras-yaml', 'tiny_resnet.yaml');

  it("reads the hand-written Keras 2 to_yaml() layout as the same config to_json() gives (tuples as lists)", () => {
    const parsed = parseKerasYaml(readFileSync(yamlPath, 'utf8'));
    const json = JSON.parse(JSON.stringify(keras2Config())) as { config: { layers: { config: Record<string, unknown> }[] } };
    // to_json() writes the InputLayer's ragged/sparse too; the helper trims them.
    (json.config.layers[0]!.config as Record<string, unknown>).ragged = false;
    expect(parsed).toEqual(json);
  });

  it('weights-only .h5 + YAML: the forward pass matches the float64 reference', async () => {
    expect(maxRel(await forward(weightsOnly, yamlPath), ref.probs)).toBeLessThan(1e-6);
  });

  it('weights-only .h5 + JSON stored as a string, twice encoded: the same model', async () => {
    const p = join(dir, 'twice.json');
    writeFileSync(p, JSON.stringify(JSON.stringify(JSON.stringify(keras2Config()))));
    expect(maxRel(await forward(weightsOnly, p), ref.probs)).toBeLessThan(1e-6);
  });

  it('a weights-only file without an architecture is one line asking for one', async () => {
    await expect(loadModelFile(weightsOnly)).rejects.toThrow(/a weights-only file with 5 weighted layers that is not VGG19; give its architecture \(the model.s to_json\(\) or to_yaml\(\) output/);
  });
});

describe("parseKerasYaml: PyYAML's dump layout", () => {
  it('compact nesting, block tuples, quoting, flow collections wrapped over lines, folded plain scalars', () => {
    const text = [
      'a:',
      '- - - x',
      '    - 1',
      '  - {}',
      'b: !!python/tuple',
      '- 3',
      '- 3',
      "c: 'it''s: quoted'",
      'd: "tab\\there"',
      'e: [0.485, 0.456,',
      '  0.406, 1.0e-05, .inf, -3, null, true, name]',
      'f: a long plain',
      '  scalar folded',
      'g:',
      '  h: ~',
      '  i: 2.13.1',
    ].join('\n');
    expect(parseKerasYaml(text)).toEqual({
      a: [[['x', 1], {}]],
      b: [3, 3],
      c: "it's: quoted",
      d: 'tab\there',
      e: [0.485, 0.456, 0.406, 1e-5, Infinity, -3, null, true, 'name'],
      f: 'a long plain scalar folded',
      g: { h: null, i: '2.13.1' },
    });
  });

  it('refuses what Keras never writes, naming the line', () => {
    expect(() => parseKerasYaml('a: 1\nb: &x 2', 'm.yaml')).toThrow(/^m\.yaml line 2: anchors and aliases are not supported/);
    expect(() => parseKerasYaml('a: |\n  text', 'm.yaml')).toThrow(/line 1: block scalars are not supported/);
    expect(() => parseKerasYaml('a: !!python/object:foo.Bar {}', 'm.yaml')).toThrow(/line 1: the tag !!python\/object:foo\.Bar holds Python objects/);
    expect(() => parseKerasYaml('a: [1, 2', 'm.yaml')).toThrow(/line 1: an unclosed flow collection/);
    expect(() => parseKerasYaml('a: 1\na: 2', 'm.yaml')).toThrow(/line 2: the key 'a' appears twice/);
  });

  it('a config file is JSON unless it is named .yaml/.yml or reads as Keras YAML', () => {
    expect(parseModelConfigText('{"class_name": "Sequential"}', 'x.json')).toEqual({ class_name: 'Sequential' });
    expect(parseModelConfigText('class_name: Sequential\nconfig: []\n', 'x.txt')).toEqual({ class_name: 'Sequential', config: [] });
    expect(() => parseModelConfigText('{oops', 'x.json')).toThrow(/^model config x\.json: not valid JSON/);
  });
});

// A shared layer: conv 'pre' → conv 'shared' → the same 'shared' again → Add(first call, second call) → GAP → Dense.
const SC = 2;
const rng = new Random(21);
const n = (k: number, s = 0.4) => Float32Array.from({ length: k }, () => rng.normal(0, s));
const sw = { pre: n(9 * CIN * SC), preB: n(SC, 0.1), sh: n(9 * SC * SC), shB: n(SC, 0.1), d: n(SC * 3, 1), dB: n(3, 0.1) };
const sharedWeightLayers = [
  { name: 'pre', weights: [{ name: 'pre/kernel:0', shape: [3, 3, CIN, SC], data: sw.pre }, { name: 'pre/bias:0', shape: [SC], data: sw.preB }] },
  { name: 'shared', weights: [{ name: 'shared/kernel:0', shape: [3, 3, SC, SC], data: sw.sh }, { name: 'shared/bias:0', shape: [SC], data: sw.shB }] },
  { name: 'add', weights: [] },
  { name: 'gap', weights: [] },
  { name: 'out', weights: [{ name: 'out/kernel:0', shape: [SC, 3], data: sw.d }, { name: 'out/bias:0', shape: [3], data: sw.dB }] },
];

/** 3×3 'same' convolution in float64 loops (HWIO kernel), optional ReLU. */
function conv(x: Float64Array, cin: number, k: Float32Array, b: Float32Array, cout: number, relu: boolean): Float64Array {
  const y = new Float64Array(H * W * cout);
  for (let i = 0; i < H; i++)
    for (let j = 0; j < W; j++)
      for (let o = 0; o < cout; o++) {
        let s = b[o]!;
        for (let di = -1; di <= 1; di++)
          for (let dj = -1; dj <= 1; dj++) {
            const ii = i + di;
            const jj = j + dj;
            if (ii < 0 || jj < 0 || ii >= H || jj >= W) continue;
            for (let c = 0; c < cin; c++) s += x[(ii * W + jj) * cin + c]! * k[(((di + 1) * 3 + dj + 1) * cin + c) * cout + o]!;
          }
        y[(i * W + j) * cout + o] = relu ? Math.max(s, 0) : s;
      }
  return y;
}

function sharedReference(x: Float64Array): Float64Array {
  const a = conv(x, CIN, sw.pre, sw.preB, SC, true);
  const s1 = conv(a, SC, sw.sh, sw.shB, SC, true);
  const s2 = conv(s1, SC, sw.sh, sw.shB, SC, true);
  const g = new Float64Array(SC);
  for (let p = 0; p < H * W; p++) for (let c = 0; c < SC; c++) g[c]! += (s1[p * SC + c]! + s2[p * SC + c]!) / (H * W);
  const z = Array.from({ length: 3 }, (_, u) => sw.dB[u]! + g.reduce((acc, v, c) => acc + v * sw.d[c * 3 + u]!, 0));
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const t = e.reduce((p, v) => p + v, 0);
  return Float64Array.from(e, (v) => v / t);
}

function sharedConfig(keras3: boolean): object {
  const convCfg = (name: string, filters: number) => ({ name, filters, kernel_size: [3, 3], strides: [1, 1], padding: 'same', activation: 'relu', use_bias: true });
  const ref2 = (l: string, k = 0) => [l, k, 0, {}];
  const t3 = (l: string, k = 0) => ({ class_name: '__keras_tensor__', config: { shape: [null], dtype: 'float32', keras_history: [l, k, 0] } });
  const node = (refs: [string, number][]) =>
    keras3 ? { args: refs.length === 1 ? [t3(...refs[0]!)] : [refs.map((r) => t3(...r))], kwargs: {} } : refs.map((r) => ref2(...r));
  const entry = (cls: string, config: object, nodes: [string, number][][]) => ({
    ...(keras3 ? { module: 'keras.layers', registered_name: null } : {}),
    class_name: cls,
    name: (config as { name: string }).name,
    config,
    inbound_nodes: nodes.map(node),
  });
  const input = { ...(keras3 ? { module: 'keras.layers' } : {}), class_name: 'InputLayer', name: 'in', config: { name: 'in', [keras3 ? 'batch_shape' : 'batch_input_shape']: [null, H, W, CIN] }, inbound_nodes: [] };
  return {
    class_name: 'Functional',
    config: {
      name: 'shared_model',
      layers: [
        input,
        entry('Conv2D', convCfg('pre', SC), [[['in', 0]]]),
        entry('Conv2D', convCfg('shared', SC), [[['pre', 0]], [['shared', 0]]]),
        entry('Add', { name: 'add' }, [[['shared', 0], ['shared', 1]]]),
        entry('GlobalAveragePooling2D', { name: 'gap' }, [[['add', 0]]]),
        entry('Dense', { name: 'out', units: 3, activation: 'softmax' }, [[['gap', 0]]]),
      ],
      input_layers: keras3 ? ['in', 0, 0] : [['in', 0, 0]],
      output_layers: keras3 ? ['out', 0, 0] : [['out', 0, 0]],
    },
  };
}

describe('a shared layer (one Conv2D called at two nodes)', () => {
  it.each([['Keras 2', false], ['Keras 3', true]])('%s: both calls computed with the one set of weights, as the float64 reference', async (_, keras3) => {
    const model = buildFromKerasConfig(sharedConfig(keras3), sharedWeightLayers, { dtype: 'float64' });
    expect(model.layerNames).toEqual(['pre', 'shared', 'shared@1', 'add', 'gap', 'out']);
    expect(model.inputsOfLayer('shared@1')).toEqual(['shared']);
    expect(model.inputsOfLayer('add')).toEqual(['shared', 'shared@1']);
    // The kernel and bias are held once.
    expect(model.layers.flatMap((l) => l.weights)).toHaveLength(6);
    const y = await model.run(fromArray(xs, [1, H, W, CIN], { dtype: 'float64' })).output.data();
    expect(maxRel(y, sharedReference(xs))).toBeLessThan(1e-12);
  });
});

describe('models stieltjes cannot explain are refused in one line naming the model and why', () => {
  const base = keras2Config() as { config: Record<string, unknown> };
  it('several inputs', () => {
    const c = { ...base, config: { ...base.config, name: 'two_in', input_layers: [['input_1', 0, 0], ['input_2', 0, 0]] } };
    expect(() => buildFromKerasConfig(c, tinyResnetWeightLayers(weights))).toThrow(/^model two_in: 2 inputs \(input_1, input_2\); stieltjes explains models with one image input/);
  });
  it('several outputs', () => {
    const c = { ...base, config: { ...base.config, name: 'two_out', output_layers: [['predictions', 0, 0], ['gap', 0, 0]] } };
    let msg = '';
    try {
      buildFromKerasConfig(c, tinyResnetWeightLayers(weights));
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/^model two_out: 2 outputs \(predictions, gap\); stieltjes explains one output \(save the one to explain in Keras: keras\.Model\(m\.input, m\.outputs\[i\]\)\)$/);
    expect(msg.split('\n')).toHaveLength(1);
  });
});

describe('hard_sigmoid as each generation defines it, and hard_silu', () => {
  const x = [-4, -2.5, -2, 0, 1, 2.4, 4];
  const model = (activation: string, keras3: boolean) =>
    buildFromKerasConfig(
      {
        class_name: 'Sequential',
        ...(keras3 ? { module: 'keras' } : { keras_version: '2.13.1' }),
        config: { name: 'act', layers: [{ ...(keras3 ? { module: 'keras.layers' } : {}), class_name: 'Activation', config: { name: 'a', activation, [keras3 ? 'batch_shape' : 'batch_input_shape']: [null, 1, 1, x.length] } }] },
      },
      [],
      { dtype: 'float64' },
    );
  const run = async (activation: string, keras3: boolean) => Array.from(await model(activation, keras3).run(fromArray(Float64Array.from(x), [1, 1, 1, x.length], { dtype: 'float64' })).output.data());

  it('Keras 1/2: 0.2x + 0.5 clipped to [0, 1]', async () => {
    const got = await run('hard_sigmoid', false);
    [0, 0, 0.1, 0.5, 0.7, 0.98, 1].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 12));
  });
  it('Keras 3: x/6 + 0.5 clipped to [0, 1]; hard_silu (and hard_swish) x times it', async () => {
    const got = await run('hard_sigmoid', true);
    [0, 1 / 12, 1 / 6, 0.5, 2 / 3, 0.9, 1].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 12));
    for (const name of ['hard_silu', 'hard_swish']) {
      const hs = await run(name, true);
      [0, -2.5 / 12, -2 / 6, 0, 2 / 3, 2.4 * 0.9, 4].forEach((v, i) => expect(hs[i]).toBeCloseTo(v, 12));
    }
  });
});
