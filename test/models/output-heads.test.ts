/**
 * Heads other than softmax (issue 17 item 5): sigmoid (binary and multi-label) and linear
 * (regression) outputs load, say what they are, run against a plain-loop float64 reference, and
 * explain a chosen output unit; results call the output a probability only for a softmax head.
 */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { explain } from '../../src/attribution/explain.js';
import { buildFromKerasConfig } from '../../src/models/keras-config.js';
import { outputValueName } from '../../src/models/layered-model.js';
import { fromArray } from '../../src/tensor/creation.js';
import { Random } from '../../src/tensor/random.js';
import { runCliHere } from '../helpers/cli.js';
import { HCIN, HH, HW, headConfig, headGradCam, headModel, headReference, headWeightLayers, writeHeadModelH5, type HeadModel } from '../helpers/head-models.js';

const rng = new Random(3);
const xs = Float64Array.from({ length: HH * HW * HCIN }, () => rng.uniform(-1, 1));

function build(m: HeadModel) {
  return buildFromKerasConfig(headConfig(m), headWeightLayers(m), { dtype: 'float64' });
}

function maxRel(got: ArrayLike<number>, want: ArrayLike<number>): number {
  const scale = Math.max(...Array.from(want, Math.abs), 1e-12);
  let e = 0;
  for (let i = 0; i < want.length; i++) e = Math.max(e, Math.abs(got[i]! - want[i]!) / scale);
  return e;
}

const heads: [string, HeadModel, string][] = [
  ['softmax (3 classes)', headModel('softmax', 3), 'softmax'],
  ['sigmoid, binary (1 unit)', headModel('sigmoid', 1), 'sigmoid'],
  ['sigmoid, multi-label (4 units)', headModel('sigmoid', 4), 'sigmoid'],
  ['linear, regression (2 outputs)', headModel('linear', 2), 'linear'],
];

describe.each(heads)('a %s head', (_, m, head) => {
  it('is recognised, and its forward pass matches the float64 reference (1e-12)', async () => {
    const model = build(m);
    expect(model.head).toBe(head);
    expect(model.hasSoftmax).toBe(head === 'softmax');
    expect(outputValueName(model)).toBe(head === 'softmax' ? 'probability' : 'score');
    const x = fromArray(xs, [1, HH, HW, HCIN], { dtype: 'float64' });
    const y = await model.run(x).output.data();
    expect(maxRel(y, headReference(m, xs).y)).toBeLessThan(1e-12);
  });

  it('explains its last output unit with Grad-CAM (against the chain rule written out) and reports the value under the right name', async () => {
    const model = build(m);
    const x = fromArray(xs, [1, HH, HW, HCIN], { dtype: 'float64' });
    const u = m.units - 1;
    const e = await explain(model, x, { method: 'grad-cam', target: u, layers: ['conv'] });
    const ref = headReference(m, xs);
    expect(e.target.index).toBe(u);
    expect(e.scores.head).toBe(head);
    if (head === 'softmax') {
      expect(e.scores.kind).toBe('probability');
      expect(e.scores.probability).toBeCloseTo(ref.y[u]!, 6); // outputs are read back as float32
      expect(e.scores.score).toBeUndefined();
    } else {
      expect(e.scores.kind).toBe('score');
      expect(e.parameters.score).toBe('score');
      expect(e.scores.probability).toBeUndefined();
      expect(e.scores.score).toBeCloseTo(ref.y[u]!, 6);
      const cam = headGradCam(m, xs, u, 'output');
      expect(Math.max(...cam)).toBeGreaterThan(0);
      expect(maxRel(e.maps[0]!.data, cam)).toBeLessThan(1e-5); // the map is stored as float32
    }
  });
});

describe('sigmoid heads', () => {
  it("--score logit explains the pre-sigmoid value (the chain rule without σ')", async () => {
    const m = headModel('sigmoid', 4);
    const x = fromArray(xs, [1, HH, HW, HCIN], { dtype: 'float64' });
    const e = await explain(build(m), x, { method: 'grad-cam', target: 2, layers: ['conv'], score: 'logit' });
    expect(e.scores.kind).toBe('logit');
    expect(e.scores.input).toBeCloseTo(headReference(m, xs).z[2]!, 6);
    expect(maxRel(e.maps[0]!.data, headGradCam(m, xs, 2, 'logit'))).toBeLessThan(1e-5);
  });

  it('IG on a multi-label unit is complete: the attributions sum to y_u(x) − y_u(black) of the reference', async () => {
    const m = headModel('sigmoid', 4);
    const x = fromArray(xs, [1, HH, HW, HCIN], { dtype: 'float64' });
    const e = await explain(build(m), x, { method: 'integrated-gradients', target: 1, steps: 64, rule: 'gauss-legendre' });
    const sum = e.maps[0]!.data.reduce((a, v) => a + v, 0);
    const want = headReference(m, xs).y[1]! - headReference(m, new Float64Array(xs.length)).y[1]!;
    expect(Math.abs(want)).toBeGreaterThan(1e-3);
    // The ReLU kinks bound the quadrature error, not the head: a logit would be off by far more.
    expect(Math.abs(sum - want)).toBeLessThan(0.01 * Math.abs(want));
  });

  it('a linear head has no logit to choose: one line saying so', async () => {
    const x = fromArray(xs, [1, HH, HW, HCIN], { dtype: 'float64' });
    await expect(explain(build(headModel('linear', 2)), x, { method: 'grad-cam', score: 'logit' })).rejects.toThrow(/score 'logit' needs a softmax or sigmoid head; model head_linear_2's output is linear/);
  });
});

describe('the CLI on each head', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stj-heads-'));
  const image = 'assets/digits/samples/digit-3-899.png';
  const files: Record<string, string> = {};
  beforeAll(async () => {
    for (const [, m] of heads) {
      const f = join(dir, `${m.activation}-${m.units}.h5`);
      await writeHeadModelH5(f, m);
      files[`${m.activation}-${m.units}`] = f;
    }
  });
  const classify = (key: string, extra: string[] = []) => runCliHere(['classify', image, '--weights', files[key]!, '--backend', 'cpu', '--preprocess', 'unit', ...extra]);

  it('classify --json names a softmax output probabilities and the others scores', async () => {
    const soft = JSON.parse((await classify('softmax-3', ['--json'])).stdout);
    expect(soft.head).toBe('softmax');
    expect(soft.probabilities).toHaveLength(3);
    expect(soft.top[0]).toHaveProperty('probability');
    const multi = await classify('sigmoid-4', ['--json']);
    expect(multi.code).toBe(0);
    const mj = JSON.parse(multi.stdout);
    expect(mj.head).toBe('sigmoid');
    expect(mj.probabilities).toBeUndefined();
    expect(mj.scores).toHaveLength(4);
    expect(mj.top[0]).not.toHaveProperty('probability');
    // Highest first, each in (0, 1), not one distribution.
    const s = mj.top.map((r: { score: number }) => r.score);
    expect(s).toEqual([...s].sort((a: number, b: number) => b - a));
    expect(Math.abs(mj.scores.reduce((a: number, v: number) => a + v, 0) - 1)).toBeGreaterThan(1e-3);
  });

  it('classify prints a regression head in index order, after a line saying what it is', async () => {
    const r = await classify('linear-2');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('linear head: raw outputs (regression), in index order');
    const idx = r.stdout.trim().split('\n').map((l) => Number(l.trim().split(/\s+/)[1]));
    expect(idx).toEqual([0, 1]);
    const binary = await classify('sigmoid-1');
    expect(binary.stderr).toContain('sigmoid head');
    expect(binary.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('explain --target on a multi-label head writes scores.npy and result.json with a score, not a probability', async () => {
    const out = join(dir, 'ex');
    const r = await runCliHere(['explain', image, '--weights', files['sigmoid-4']!, '--backend', 'cpu', '--preprocess', 'unit', '--method', 'gradcam', '--target', '2', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/explained output unit 2 \(class 2, sigmoid score = /);
    expect(readdirSync(out)).toContain('scores.npy');
    expect(readdirSync(out)).not.toContain('probabilities.npy');
    const res = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    expect(res.scores.kind).toBe('score');
    expect(res.scores.head).toBe('sigmoid');
    expect(res.scores).not.toHaveProperty('probability');
    expect(res.files.output).toBe('scores.npy');
    expect(res.target.index).toBe(2);
  });
});
