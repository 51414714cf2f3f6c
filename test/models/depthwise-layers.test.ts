/**
 * DepthwiseConv2D and SeparableConv2D on the depthwiseConv2d primitive: against a plain-loop float64
 * reference (strides, TensorFlow's asymmetric 'same' padding, dilation, depth multiplier), float64
 * gradient checks, and the Keras config entries.
 */
import { describe, expect, it } from 'vitest';
import { buildKerasLayer, type KerasLayerContext } from '../../src/models/keras-layer.js';
import { depthwiseConv2d } from '../../src/autograd/ops.js';
import { DepthwiseConv2DLayer, SeparableConv2DLayer } from '../../src/models/depthwise-layers.js';
import { fromArray } from '../../src/tensor/creation.js';
import { Random } from '../../src/tensor/random.js';
import { assertGrads } from '../../src/testing/check-grads.js';

const f64 = { dtype: 'float64' as const };

function values(n: number, seed: number): number[] {
  const r = new Random(seed);
  return Array.from({ length: n }, () => r.normal(0, 1));
}

/** Depthwise convolution by definition, with TensorFlow's padding rule. */
function reference(x: number[], [h, w, c]: number[], k: number[], [kh, kw, m]: number[], s: [number, number], d: [number, number], padding: 'same' | 'valid') {
  const out = (n: number, kk: number, ss: number, dd: number) => (padding === 'same' ? Math.ceil(n / ss) : Math.floor((n - (kk - 1) * dd - 1) / ss) + 1);
  const oh = out(h!, kh!, s[0], d[0]);
  const ow = out(w!, kw!, s[1], d[1]);
  const before = (o: number, n: number, kk: number, ss: number, dd: number) => (padding === 'same' ? Math.floor(Math.max((o - 1) * ss + (kk - 1) * dd + 1 - n, 0) / 2) : 0);
  const top = before(oh, h!, kh!, s[0], d[0]);
  const left = before(ow, w!, kw!, s[1], d[1]);
  const y = new Array<number>(oh * ow * c! * m!).fill(0);
  for (let i = 0; i < oh; i++)
    for (let j = 0; j < ow; j++)
      for (let ch = 0; ch < c!; ch++)
        for (let mm = 0; mm < m!; mm++) {
          let acc = 0;
          for (let a = 0; a < kh!; a++)
            for (let b = 0; b < kw!; b++) {
              const ii = i * s[0] + a * d[0] - top;
              const jj = j * s[1] + b * d[1] - left;
              if (ii < 0 || ii >= h! || jj < 0 || jj >= w!) continue;
              acc += x[(ii * w! + jj) * c! + ch]! * k[((a * kw! + b) * c! + ch) * m! + mm]!;
            }
          y[((i * ow + j) * c! + ch) * m! + mm] = acc;
        }
  return { y, shape: [1, oh, ow, c! * m!] };
}

describe('depthwiseConv2d', () => {
  const cases = [
    { hwc: [5, 5, 3], k: [3, 3, 1], s: [1, 1], d: [1, 1], padding: 'same' },
    { hwc: [6, 7, 2], k: [3, 3, 2], s: [2, 2], d: [1, 1], padding: 'same' },
    { hwc: [7, 6, 2], k: [3, 2, 1], s: [2, 1], d: [1, 1], padding: 'valid' },
    { hwc: [7, 7, 2], k: [3, 3, 1], s: [1, 1], d: [2, 2], padding: 'same' },
    { hwc: [4, 4, 2], k: [5, 5, 1], s: [2, 2], d: [1, 1], padding: 'same' },
  ] as const;
  it('equals the definition for strides, asymmetric same padding, dilation and depth multipliers', async () => {
    for (const [i, cs] of cases.entries()) {
      const xv = values(cs.hwc[0] * cs.hwc[1] * cs.hwc[2], i + 1);
      const kv = values(cs.k[0] * cs.k[1] * cs.hwc[2] * cs.k[2], i + 50);
      const want = reference(xv, [...cs.hwc], kv, [...cs.k], [...cs.s], [...cs.d], cs.padding);
      const y = depthwiseConv2d(fromArray(xv, [1, ...cs.hwc], f64), fromArray(kv, [cs.k[0], cs.k[1], cs.hwc[2], cs.k[2]], f64), {
        strides: [...cs.s],
        dilations: [...cs.d],
        padding: cs.padding,
      });
      expect(y.shape).toEqual(want.shape);
      const got = await y.data();
      want.y.forEach((v, j) => expect(Math.abs(got[j]! - v)).toBeLessThan(1e-12));
      const layer = new DepthwiseConv2DLayer('dw', fromArray(kv, [cs.k[0], cs.k[1], cs.hwc[2], cs.k[2]], f64), null, { strides: [...cs.s], dilations: [...cs.d], padding: cs.padding });
      expect(layer.outputShape(cs.hwc)).toEqual(want.shape.slice(1));
    }
  });

  it('has the gradients finite differences give, for input and kernel (stride 2, multiplier 2)', async () => {
    await assertGrads((x, k) => depthwiseConv2d(x!, k!, { strides: [2, 2], padding: 'same' }), [
      fromArray(values(5 * 5 * 2, 7), [1, 5, 5, 2], f64),
      fromArray(values(3 * 3 * 2 * 2, 8), [3, 3, 2, 2], f64),
    ]);
  });

  it('a separable convolution is the depthwise one, then a 1×1 convolution, bias and activation', async () => {
    const xv = values(4 * 4 * 2, 3);
    const dv = values(3 * 3 * 2 * 1, 4);
    const pv = values(2 * 3, 5);
    const bv = [0.1, -0.2, 0.3];
    const layer = new SeparableConv2DLayer('sep', fromArray(dv, [3, 3, 2, 1], f64), fromArray(pv, [1, 1, 2, 3], f64), fromArray(bv, [3], f64), { padding: 'same', activation: 'relu' });
    expect(layer.outputShape([4, 4, 2])).toEqual([4, 4, 3]);
    const d = reference(xv, [4, 4, 2], dv, [3, 3, 1], [1, 1], [1, 1], 'same').y;
    const got = await layer.apply(fromArray(xv, [1, 4, 4, 2], f64)).data();
    for (let p = 0; p < 16; p++)
      for (let o = 0; o < 3; o++) {
        const v = Math.max(0, bv[o]! + d[p * 2]! * pv[o]! + d[p * 2 + 1]! * pv[3 + o]!);
        expect(Math.abs(got[p * 3 + o]! - v)).toBeLessThan(1e-12);
      }
  });
});

describe('Keras config entries', () => {
  const arrays = [
    { name: 'depthwise_kernel:0', shape: [3, 3, 2, 1], data: new Float32Array(18).fill(1) },
    { name: 'pointwise_kernel:0', shape: [1, 1, 2, 4], data: new Float32Array(8).fill(1) },
    { name: 'bias:0', shape: [4], data: new Float32Array(4) },
  ];
  const ctx = (ws: typeof arrays): KerasLayerContext => ({
    backend: fromArray([0], [1]).backend,
    dtype: 'float64',
    theano: false,
    weightsFor: () => ws,
    upload: (w) => fromArray(w.data, w.shape, f64),
    theanoKernel: () => {
      throw new Error('no Theano here');
    },
  });
  it('build DepthwiseConv2D (kernel, bias) and SeparableConv2D (depthwise, pointwise, bias)', () => {
    const dw = buildKerasLayer('DepthwiseConv2D', { kernel_size: [3, 3], strides: [2, 2], padding: 'same', depth_multiplier: 1, use_bias: true }, 'dw', ctx([arrays[0]!, { ...arrays[2]!, shape: [2], data: new Float32Array(2) }]));
    expect(dw).toBeInstanceOf(DepthwiseConv2DLayer);
    expect((dw as DepthwiseConv2DLayer).outputShape([7, 7, 2])).toEqual([4, 4, 2]);
    const sep = buildKerasLayer('SeparableConv2D', { filters: 4, kernel_size: [3, 3], padding: 'valid', activation: 'relu', use_bias: true }, 'sep', ctx(arrays));
    expect((sep as SeparableConv2DLayer).outputShape([5, 5, 2])).toEqual([3, 3, 4]);
  });
});
