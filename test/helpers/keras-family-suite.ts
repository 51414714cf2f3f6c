/**
 * The test suite of keras.applications families (issue 17 item 3) on files written in Keras's exact layouts with
 * seeded weights (scripts/keras-applications.ts: small labelled variants, 64×64, 10 classes),
 * against float64 PyTorch references computed from the same .h5 by an independent interpreter
 * (scripts/keras-family-references.py; committed under test/fixtures/keras-families):
 * probabilities to 1e-5, the Grad-CAM map and the IG map to 1e-4 relative, on the CPU backend in
 * float32. Each family is recognised by its layer names, which picks its pixel scaling; Keras's
 * weights-only release layout and Keras 3's .keras archive load as the same model.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { familyH5Bytes, familyPixels, FAMILY_BUILDERS, type FamilyModel } from '../../scripts/keras-applications.js';
import { writeKerasWeightsH5 } from '../../scripts/keras-weights-writer.js';
import { explain } from '../../src/attribution/explain.js';
import { defaultCamLayer } from '../../src/attribution/grad-cam.js';
import { integratedGradients } from '../../src/attribution/integrated-gradients.js';
import { decodeNpy } from '../../src/io/npy.js';
import { recogniseFamily } from '../../src/models/applications/index.js';
import type { GraphModel } from '../../src/models/graph-model.js';
import { pixelsToInput } from '../../src/models/input.js';
import { applyPixelScaling, modelFromBytes } from '../../src/models/load-model.js';
import { writeKeras3Archive, type Keras3LayerVars } from './keras3-archive-writer.js';
import { fixture } from './fixtures.js';

interface Reference {
  model: string;
  preprocess: 'caffe' | 'tf' | 'torch' | 'none';
  target: number;
  probabilities: number[];
  camLayer: string;
  camShape: number[];
  cam: number[];
  igSteps: number;
}

const EXPECTED = {
  resnet50: { family: 'ResNet50', rule: 'caffe', size: 224 },
  mobilenetv2: { family: 'MobileNetV2', rule: 'symmetric', size: 224 },
  resnet50v2: { family: 'ResNet50V2', rule: 'symmetric', size: 224 },
  densenet121: { family: 'DenseNet', rule: 'torch', size: 224 },
  efficientnetb0: { family: 'EfficientNet', rule: 'none', size: 224 },
  // B3's 26 blocks (depth ×1.4) say which variant it is, and so its default size.
  efficientnetb3: { family: 'EfficientNet', rule: 'none', size: 300 },
  xception: { family: 'Xception', rule: 'symmetric', size: 299 },
  inceptionv3: { family: 'InceptionV3', rule: 'symmetric', size: 299 },
  // VGG16's top fixes its input size: a weights-only file with fc1 says it (64 here).
  vgg16: { family: 'VGG16', rule: 'caffe', size: 64 },
  mobilenet: { family: 'MobileNet', rule: 'symmetric', size: 224 },
  mobilenetv3small: { family: 'MobileNetV3', rule: 'none', size: 224 },
  mobilenetv3large: { family: 'MobileNetV3', rule: 'none', size: 224 },
  inceptionresnetv2: { family: 'InceptionResNetV2', rule: 'symmetric', size: 299 },
  convnexttiny: { family: 'ConvNeXt', rule: 'none', size: 224 },
  efficientnetv2b0: { family: 'EfficientNetV2', rule: 'none', size: 224 },
  // S's six stages of 2, 4, 4, 6, 9, 15 blocks say which variant it is, and so its default size.
  efficientnetv2s: { family: 'EfficientNetV2', rule: 'none', size: 384 },
} as const;

function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  const scale = Math.max(...Array.from(want, Math.abs));
  let e = 0;
  for (let i = 0; i < want.length; i++) e = Math.max(e, Math.abs(got[i]! - want[i]!));
  return e / scale;
}

function absErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let e = 0;
  for (let i = 0; i < want.length; i++) e = Math.max(e, Math.abs(got[i]! - want[i]!));
  return e;
}

/**
 * tf.keras 2's TFOpLambda function → the Keras 3 operation class the same Python arithmetic records
 * (KerasTensor.__add__ → ops.Add, …; keras/src/backend/common/keras_tensor.py), in keras.src.ops.numpy.
 */
const KERAS3_OPERATIONS: Readonly<Record<string, string>> = {
  '__operators__.add': 'Add',
  'math.add': 'Add',
  'math.subtract': 'Subtract',
  'math.multiply': 'Multiply',
  'math.truediv': 'TrueDivide',
  'math.divide': 'Divide',
};

/**
 * Keras 3's .keras layout of the same model: module/keras_history config, weights by class-counter
 * groups. A TFOpLambda becomes the operation node Keras 3 writes for the same code
 * (Functional.get_config / serialize_node): module keras.src.ops.numpy, config {name}, named by
 * Keras's auto_name (`add`, `add_1`, …), its call's positional args a tensor then a number or a
 * tensor, kwargs {}. `rename` maps the tf.keras 2 names to those.
 */
function keras3Of(m: FamilyModel): { config: object; vars: Keras3LayerVars[]; rename: (name: string) => string } {
  const entries = m.config.config.layers;
  const taken = new Set(entries.map((e) => e.name));
  const uids = new Map<string, number>();
  const renamed = new Map<string, string>();
  for (const e of entries) {
    if (e.class_name !== 'TFOpLambda') continue;
    const fn = String(e.config.function).replace(/^tf\./, '');
    const cls = KERAS3_OPERATIONS[fn];
    if (!cls) throw new Error(`keras3Of: no Keras 3 operation for TFOpLambda ${fn}`);
    const snake = cls === 'TrueDivide' ? 'true_divide' : cls.toLowerCase();
    let name: string;
    do {
      const k = uids.get(snake) ?? 0;
      uids.set(snake, k + 1);
      name = k === 0 ? snake : `${snake}_${k}`;
    } while (taken.has(name));
    taken.add(name);
    renamed.set(e.name, name);
  }
  const rename = (n: string) => renamed.get(n) ?? n;
  const tensor = (from: string) => ({ class_name: '__keras_tensor__', config: { shape: [null], dtype: 'float32', keras_history: [rename(from), 0, 0] } });
  const layers = entries.map((e) => {
    if (e.class_name === 'TFOpLambda') {
      const [x, , , kwargs] = e.inbound_nodes[0] as [string, number, number, { y: unknown }];
      const y = kwargs.y;
      const cls = KERAS3_OPERATIONS[String(e.config.function).replace(/^tf\./, '')]!;
      const name = rename(e.name);
      return {
        module: 'keras.src.ops.numpy',
        class_name: cls,
        config: { name },
        registered_name: cls,
        name,
        inbound_nodes: [{ args: [tensor(x), Array.isArray(y) ? tensor(String(y[0])) : y], kwargs: {} }],
      };
    }
    const refs = (e.inbound_nodes[0] as [string][] | undefined)?.map((r) => tensor(r[0])) ?? [];
    const nested = e.class_name === 'Sequential';
    return {
      ...keras3Layer(e.class_name, e.config, nested),
      name: e.name,
      inbound_nodes: e.inbound_nodes.length === 0 ? [] : [{ args: refs.length === 1 ? [refs[0]] : [refs], kwargs: {} }],
    };
  });
  const counters = new Map<string, number>();
  const keyOf = (cls: string, counts: Map<string, number>) => {
    const k = counts.get(cls) ?? 0;
    counts.set(cls, k + 1);
    return k === 0 ? cls : `${cls}_${k}`;
  };
  const vars = m.layers.flatMap((l): Keras3LayerVars[] => {
    if (l.weights.length === 0) return [];
    const entry = entries.find((e) => e.name === l.name)!;
    const key = keyOf(snake(entry.class_name), counters);
    if (entry.class_name !== 'Sequential') return [{ key, name: l.name, vars: l.weights.map((w) => ({ shape: w.shape, data: w.data })) }];
    // A nested Sequential (ConvNeXt's stem and downsampling blocks): Keras 2 keeps its weights in
    // one group as `<inner layer>/<weight>`; Keras 3 writes `<key>/layers/<inner key>/vars`.
    const inner = new Map<string, number>();
    const nested = (entry.config.layers as { class_name: string; config: { name: string } }[])
      .filter((il) => il.class_name !== 'InputLayer')
      .map((il) => ({
        key: keyOf(snake(il.class_name), inner),
        name: il.config.name,
        vars: l.weights.filter((w) => w.name.startsWith(`${il.config.name}/`)).map((w) => ({ shape: w.shape, data: w.data })),
      }));
    return [{ key, name: l.name, vars: [], nested }];
  });
  const input = entries[0]!.name;
  const output = rename((m.config.config.output_layers as [string][])[0]![0]);
  return {
    config: { module: 'keras', class_name: 'Functional', config: { name: m.config.config.name, layers, input_layers: [input, 0, 0], output_layers: [output, 0, 0] }, registered_name: 'Functional' },
    vars,
    rename,
  };
}

const snake = (cls: string) => cls.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase().replace('conv2_d', 'conv2d');

/** A layer entry's Keras 3 form: module and registered_name, an InputLayer's batch_shape, a nested Sequential's layers likewise. */
function keras3Layer(cls: string, c: Record<string, unknown>, nested = false): Record<string, unknown> {
  const { batch_input_shape, ...rest } = c as { batch_input_shape?: unknown };
  let config: Record<string, unknown> = cls === 'InputLayer' ? { ...rest, batch_shape: batch_input_shape } : c;
  if (nested) config = { ...config, layers: (c.layers as { class_name: string; config: Record<string, unknown> }[]).map((l) => keras3Layer(l.class_name, l.config)) };
  return nested ? { module: 'keras', class_name: cls, config, registered_name: cls } : { module: 'keras.layers', class_name: cls, config, registered_name: null };
}

/** The suite's checks, in order (docs/models.md lists them). */
export const FAMILY_CHECKS = ['recognised', 'probabilities', 'grad-cam', 'ig', 'weights-only', 'keras3'] as const;
export type FamilyCheck = (typeof FAMILY_CHECKS)[number];

/**
 * The suite for one family (one test file each, so that each stays a few seconds): every check,
 * or those in `checks`. A default-tier file may run some and its `*.slow.test.ts` sibling the
 * rest; each file loads the model itself.
 */
export function familySuite(key: keyof typeof FAMILY_BUILDERS, checks: readonly FamilyCheck[] = FAMILY_CHECKS): void {
// A check left out is not registered at all (not reported as skipped): its sibling file runs it.
const check = (name: FamilyCheck, title: string, fn: () => unknown): void => {
  if (checks.includes(name)) it(title, fn);
};
describe(`${key} (small variant)`, () => {
  const ref = JSON.parse(readFileSync(fixture('keras-families', `${key}.json`), 'utf8')) as Reference;
  const igRef = decodeNpy(new Uint8Array(readFileSync(fixture('keras-families', `${key}-ig.npy`))));
  const m = FAMILY_BUILDERS[key]();
  const size = (m.config.config.layers[0]!.config.batch_input_shape as number[])[1]!;
  const pixels = Float32Array.from(familyPixels(size));
  let model: GraphModel;
  let probs: Float32Array;

  beforeAll(async () => {
    model = await modelFromBytes(await familyH5Bytes(m), { preprocess: 'auto', source: `${key}.h5` });
    probs = Float32Array.from(await model.run(pixelsToInput(model, pixels)).output.data());
  });

  check('recognised', 'is recognised by its layer names, which picks its pixel scaling (auto)', () => {
    expect(model.name).toBe(ref.model);
    expect(recogniseFamily(model.layerNames)?.family).toBe(EXPECTED[key].family);
    const r = applyPixelScaling(model, 'auto');
    expect(r.rule).toBe(EXPECTED[key].rule);
    expect(r.reason).toContain(`${EXPECTED[key].family} family`);
  });

  check('probabilities', 'Keras 2 .h5: probabilities match the PyTorch float64 reference to 1e-5', () => {
    expect(absErr(probs, ref.probabilities)).toBeLessThan(1e-5);
  });

  check('grad-cam', "Grad-CAM at the default layer (the family's own) matches the reference to 1e-4 relative", async () => {
    const e = await explain(model, pixelsToInput(model, pixels), { method: 'grad-cam' });
    expect(e.target.index).toBe(ref.target);
    expect(e.maps[0]!.layer).toBe(ref.camLayer);
    expect(e.maps[0]!.shape).toEqual(ref.camShape);
    expect(Math.max(...ref.cam)).toBeGreaterThan(0);
    expect(relErr(e.maps[0]!.data, ref.cam)).toBeLessThan(1e-4);
  });

  check('ig', `IG (right rule, m = 4, black baseline) matches the reference to 1e-4 relative`, async () => {
    const x = pixelsToInput(model, pixels);
    const baseline = pixelsToInput(model, new Float32Array(pixels.length));
    const r = await integratedGradients(model, x, { baseline, target: ref.target, steps: ref.igSteps, rule: 'right' });
    expect(Array.from(igRef.shape)).toEqual([size, size, 3]);
    expect(relErr(await r.attribution.data(), igRef.data)).toBeLessThan(1e-4);
  });

  check('weights-only', "Keras's weights-only release layout: the architecture is rebuilt from the layer names and weight shapes", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stj-fam-'));
    try {
      const path = join(dir, 'weights.h5');
      await writeKerasWeightsH5(path, m.layers);
      const w = await modelFromBytes(Uint8Array.from(readFileSync(path)), { preprocess: 'auto' });
      expect(w.layerNames).toEqual(model.layerNames);
      // A weights-only file says nothing of the input size: the family's default (224, Xception 299), but VGG16's fc1.
      expect(w.inputShape).toEqual([EXPECTED[key].size, EXPECTED[key].size, 3]);
      expect(w.numClasses).toBe(10);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // A TFOpLambda (MobileNetV3's hard-sigmoid, ConvNeXt's residual) is written as the operation node
  // Keras 3 records for the same arithmetic (keras.src.ops.numpy Add, Multiply, …).
  check('keras3', 'Keras 3 .keras: the same probabilities', async () => {
    const { config, vars, rename } = keras3Of(m);
    const k3 = await modelFromBytes(await writeKeras3Archive(config, ref.model, vars), { preprocess: 'auto', source: `${key}.keras` });
    expect(k3.layerNames).toEqual(model.layerNames.map(rename));
    // The default Grad-CAM layer is the same node (ConvNeXt's: the last residual, an Add operation here).
    expect(defaultCamLayer(k3)).toBe(rename(defaultCamLayer(model)));
    const y = await k3.run(pixelsToInput(k3, pixels)).output.data();
    expect(absErr(y, ref.probabilities)).toBeLessThan(1e-5);
  });
});
}
