/**
 * Small seeded Keras 2 functional models that differ only in their head: conv (3×3, relu) → GAP →
 * Dense(units, activation), with softmax, sigmoid (binary: one unit; multi-label: several) or
 * linear (regression) outputs; and a plain-loop float64 reference of each.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeKerasModelH5 } from '../../scripts/keras-h5-writer.js';
import type { WeightLayer } from '../../src/models/weights-source.js';
import { Random } from '../../src/tensor/random.js';

export const HH = 8;
export const HW = 8;
export const HCIN = 1;
export const HC = 3;

export interface HeadModel {
  activation: 'softmax' | 'sigmoid' | 'linear';
  units: number;
  kernel: Float64Array; // [3, 3, CIN, C]
  bias: Float64Array; // [C]
  dense: Float64Array; // [C, units]
  denseBias: Float64Array; // [units]
}

export function headModel(activation: HeadModel['activation'], units: number, seed = 5): HeadModel {
  const rng = new Random(seed);
  const n = (k: number, s: number): Float64Array => Float64Array.from({ length: k }, () => rng.normal(0, s));
  return { activation, units, kernel: n(9 * HCIN * HC, 0.5), bias: n(HC, 0.1), dense: n(HC * units, 1), denseBias: n(units, 0.2) };
}

export function headConfig(m: HeadModel, name = `head_${m.activation}_${m.units}`): object {
  const node = (from: string) => [[[from, 0, 0, {}]]];
  return {
    class_name: 'Functional',
    config: {
      name,
      layers: [
        { class_name: 'InputLayer', name: 'input_1', config: { name: 'input_1', batch_input_shape: [null, HH, HW, HCIN], dtype: 'float32' }, inbound_nodes: [] },
        { class_name: 'Conv2D', name: 'conv', config: { name: 'conv', filters: HC, kernel_size: [3, 3], strides: [1, 1], padding: 'valid', activation: 'relu', use_bias: true }, inbound_nodes: node('input_1') },
        { class_name: 'GlobalAveragePooling2D', name: 'gap', config: { name: 'gap', keepdims: false }, inbound_nodes: node('conv') },
        { class_name: 'Dense', name: 'out', config: { name: 'out', units: m.units, activation: m.activation, use_bias: true }, inbound_nodes: node('gap') },
      ],
      input_layers: [['input_1', 0, 0]],
      output_layers: [['out', 0, 0]],
    },
  };
}

export function headWeightLayers(m: HeadModel): WeightLayer[] {
  const w = (name: string, shape: number[], d: Float64Array) => ({ name, shape, data: Float32Array.from(d) });
  return [
    { name: 'conv', weights: [w('conv/kernel:0', [3, 3, HCIN, HC], m.kernel), w('conv/bias:0', [HC], m.bias)] },
    { name: 'gap', weights: [] },
    { name: 'out', weights: [w('out/kernel:0', [HC, m.units], m.dense), w('out/bias:0', [m.units], m.denseBias)] },
  ];
}

/** The model as Keras 2's full-model .h5 at `path`. */
export async function writeHeadModelH5(path: string, m: HeadModel): Promise<void> {
  await writeKerasModelH5(path, { modelConfig: headConfig(m), layers: headWeightLayers(m).map((l) => ({ name: l.name, weights: l.weights.map((w) => ({ ...w, name: w.name.split('/')[1]!, data: w.data as Float32Array })) })) });
}

export async function headModelH5Bytes(m: HeadModel): Promise<Uint8Array> {
  const dir = mkdtempSync(join(tmpdir(), 'stieltjes-head-'));
  try {
    await writeHeadModelH5(join(dir, 'm.h5'), m);
    return Uint8Array.from(readFileSync(join(dir, 'm.h5')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Plain loops in float64, the weights rounded to float32 as the file stores them: the conv
 * activations A [6, 6, C], the pre-activation z [units] and the output y [units].
 */
export function headReference(m: HeadModel, x: ArrayLike<number>): { act: Float64Array; z: Float64Array; y: Float64Array } {
  const f = (a: Float64Array) => Float64Array.from(Float32Array.from(a));
  const k = f(m.kernel);
  const b = f(m.bias);
  const d = f(m.dense);
  const db = f(m.denseBias);
  const oh = HH - 2;
  const ow = HW - 2;
  const act = new Float64Array(oh * ow * HC);
  for (let i = 0; i < oh; i++)
    for (let j = 0; j < ow; j++)
      for (let c = 0; c < HC; c++) {
        let s = b[c]!;
        for (let di = 0; di < 3; di++)
          for (let dj = 0; dj < 3; dj++)
            for (let ci = 0; ci < HCIN; ci++) s += x[((i + di) * HW + (j + dj)) * HCIN + ci]! * k[((di * 3 + dj) * HCIN + ci) * HC + c]!;
        act[(i * ow + j) * HC + c] = Math.max(s, 0);
      }
  const gap = new Float64Array(HC);
  for (let p = 0; p < oh * ow; p++) for (let c = 0; c < HC; c++) gap[c]! += act[p * HC + c]! / (oh * ow);
  const z = new Float64Array(m.units);
  for (let u = 0; u < m.units; u++) {
    z[u] = db[u]!;
    for (let c = 0; c < HC; c++) z[u]! += gap[c]! * d[c * m.units + u]!;
  }
  let y: Float64Array;
  if (m.activation === 'softmax') {
    const mx = Math.max(...z);
    const e = z.map((v) => Math.exp(v - mx));
    const s = e.reduce((a, v) => a + v, 0);
    y = e.map((v) => v / s);
  } else if (m.activation === 'sigmoid') {
    y = z.map((v) => 1 / (1 + Math.exp(-v)));
  } else {
    y = Float64Array.from(z);
  }
  return { act, z, y };
}

/**
 * Grad-CAM at `conv` for output unit u, from the chain rule written out: ∂y_u/∂A_k(i,j) =
 * g·W[k, u]/(h·w) with g = ∂y_u/∂z_u (σ(1−σ) for sigmoid, 1 for linear); α_k = its spatial mean,
 * CAM = relu(Σ_k α_k A_k).
 */
export function headGradCam(m: HeadModel, x: ArrayLike<number>, u: number, score: 'output' | 'logit'): Float64Array {
  const { act, y } = headReference(m, x);
  const d = Float64Array.from(Float32Array.from(m.dense));
  const g = score === 'logit' || m.activation === 'linear' ? 1 : m.activation === 'sigmoid' ? y[u]! * (1 - y[u]!) : NaN;
  const oh = HH - 2;
  const ow = HW - 2;
  const cam = new Float64Array(oh * ow);
  for (let p = 0; p < oh * ow; p++) {
    let s = 0;
    for (let c = 0; c < HC; c++) s += ((g * d[c * m.units + u]!) / (oh * ow)) * act[p * HC + c]!;
    cam[p] = Math.max(s, 0);
  }
  return cam;
}
