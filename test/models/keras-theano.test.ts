/**
 * Keras 1 Theano weights: detection, conversion to TensorFlow conventions, and the proof that
 * the conversion is right: the converted pplonski model, run channels-last, reproduces the
 * prediction Keras itself printed for sample_mnist.dat.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  channelsFirstDenseToChannelsLast,
  convertTheanoWeights,
  detectKernelConvention,
  KerasFormatError,
  readKerasWeights,
  theanoKernelToHwio,
  type KerasLayerWeights,
} from '../../src/models/keras/index.js';
import { fixturePath, readFixture } from './keras-fixtures.js';
import { propertyRuns } from '../../src/testing/runs.js';

const PPLONSKI = 'keras/pplonski_keras2cpp/my_nn_weights.h5';

/** NHWC 'same' cross-correlation with an HWIO kernel, batch 1, float64. */
function conv2dSame(x: Float64Array, h: number, w: number, cin: number, k: Float32Array, kh: number, kw: number, cout: number, bias: Float32Array): Float64Array {
  const out = new Float64Array(h * w * cout);
  const ph = (kh - 1) >> 1;
  const pw = (kw - 1) >> 1;
  for (let y = 0; y < h; y++) {
    for (let xx = 0; xx < w; xx++) {
      for (let o = 0; o < cout; o++) {
        let s = bias[o]!;
        for (let a = 0; a < kh; a++) {
          const iy = y + a - ph;
          if (iy < 0 || iy >= h) continue;
          for (let b = 0; b < kw; b++) {
            const ix = xx + b - pw;
            if (ix < 0 || ix >= w) continue;
            for (let i = 0; i < cin; i++) s += x[(iy * w + ix) * cin + i]! * k[((a * kw + b) * cin + i) * cout + o]!;
          }
        }
        out[(y * w + xx) * cout + o] = s;
      }
    }
  }
  return out;
}

const relu = (v: Float64Array): Float64Array => Float64Array.from(v, (a) => Math.max(0, a));

function dense(x: Float64Array, k: Float32Array, bias: Float32Array): Float64Array {
  const n = bias.length;
  const out = new Float64Array(n);
  for (let o = 0; o < n; o++) {
    let s = bias[o]!;
    for (let i = 0; i < x.length; i++) s += x[i]! * k[i * n + o]!;
    out[o] = s;
  }
  return out;
}

describe('Keras 1 Theano (pplonski keras2cpp)', () => {
  const weights = readKerasWeights(readFixture(PPLONSKI));

  it('is detected from the kernel shapes and names', () => {
    expect(weights.generation).toBe('keras1-theano');
    expect(detectKernelConvention(weights.layers)).toBe('theano');
    expect(detectKernelConvention(readKerasWeights(readFixture('keras/synthetic/tiny_vgg19_keras1.h5')).layers)).toBe('tensorflow');
  });

  it('converted to HWIO + channels-last flatten, reproduces the prediction Keras printed', () => {
    const converted = convertTheanoWeights(weights, { denseAfterFlatten: { layer: 'dense_1', chw: [4, 14, 14] } });
    expect(converted.generation).toBe('keras1');
    expect(converted.backend).toBeUndefined();
    const layer = (name: string): KerasLayerWeights => converted.layers.find((l) => l.name === name)!;
    const [c1, c2, d1, d2] = ['convolution2d_1', 'convolution2d_2', 'dense_1', 'dense_2'].map(layer) as KerasLayerWeights[];
    expect(c1!.weights[0]!.shape).toEqual([3, 3, 1, 4]);

    const text = readFileSync(fixturePath('keras/pplonski_keras2cpp/sample_mnist.dat'), 'utf8');
    const pixels = text.slice(text.indexOf('\n')).match(/-?\d+(?:\.\d*)?(?:e[-+]?\d+)?/gi)!.map(Number);
    expect(pixels.length).toBe(28 * 28);

    let x: Float64Array = Float64Array.from(pixels); // 28x28x1 NHWC
    x = relu(conv2dSame(x, 28, 28, 1, c1!.weights[0]!.data, 3, 3, 4, c1!.weights[1]!.data));
    x = relu(conv2dSame(x, 28, 28, 4, c2!.weights[0]!.data, 3, 3, 4, c2!.weights[1]!.data));
    const pooled = new Float64Array(14 * 14 * 4);
    for (let y = 0; y < 14; y++)
      for (let xx = 0; xx < 14; xx++)
        for (let c = 0; c < 4; c++) {
          const at = (yy: number, xxx: number): number => x[(yy * 28 + xxx) * 4 + c]!;
          pooled[(y * 14 + xx) * 4 + c] = Math.max(at(2 * y, 2 * xx), at(2 * y, 2 * xx + 1), at(2 * y + 1, 2 * xx), at(2 * y + 1, 2 * xx + 1));
        }
    const h = relu(dense(pooled, d1!.weights[0]!.data, d1!.weights[1]!.data));
    const logits = dense(h, d2!.weights[0]!.data, d2!.weights[1]!.data);
    const m = Math.max(...logits);
    const e = logits.map((v) => Math.exp(v - m));
    const total = e.reduce((a, b) => a + b, 0);
    const probs = Array.from(e, (v) => v / total);

    const expected = JSON.parse(readFileSync(fixturePath('keras/pplonski_keras2cpp/expected.json'), 'utf8'))[
      'keras_prediction_printed_in_mnist_cnn_one_iteration.py'
    ] as number[];
    probs.forEach((p, i) => expect(Math.abs(p - expected[i]!)).toBeLessThan(1e-6));
  });

  it('refuses to convert weights of another generation', () => {
    const tf = readKerasWeights(readFixture('keras/synthetic/tiny_vgg19_keras1.h5'));
    expect(() => convertTheanoWeights(tf)).toThrow(KerasFormatError);
  });
});

describe('theanoKernelToHwio', () => {
  it('turns a true convolution into the equivalent cross-correlation', () => {
    fc.assert(
      fc.property(
        fc.record({ cout: fc.integer({ min: 1, max: 3 }), cin: fc.integer({ min: 1, max: 3 }), kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }), extraH: fc.integer({ min: 0, max: 3 }), extraW: fc.integer({ min: 0, max: 3 }) }),
        fc.integer({ min: 1, max: 1_000_000 }),
        ({ cout, cin, kh, kw, extraH, extraW }, seed) => {
          let s = seed;
          const rand = (): number => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
          const H = kh + extraH;
          const W = kw + extraW;
          const k = Float32Array.from({ length: cout * cin * kh * kw }, rand); // (Cout, Cin, kh, kw)
          const img = Float64Array.from({ length: cin * H * W }, rand); // (Cin, H, W)
          const { data: K, shape } = theanoKernelToHwio(k, [cout, cin, kh, kw]);
          expect(shape).toEqual([kh, kw, cin, cout]);
          for (let p = 0; p + kh <= H; p++)
            for (let q = 0; q + kw <= W; q++)
              for (let o = 0; o < cout; o++) {
                // True convolution z[n] = sum_m x[m] k[n - m], at n = p + kh - 1 (the 'valid' part).
                let conv = 0;
                for (let i = 0; i < cin; i++)
                  for (let m = 0; m < H; m++)
                    for (let n = 0; n < W; n++) {
                      const a = p + kh - 1 - m;
                      const b = q + kw - 1 - n;
                      if (a >= 0 && a < kh && b >= 0 && b < kw) conv += img[(i * H + m) * W + n]! * k[((o * cin + i) * kh + a) * kw + b]!;
                    }
                let xcorr = 0;
                for (let a = 0; a < kh; a++)
                  for (let b = 0; b < kw; b++)
                    for (let i = 0; i < cin; i++) xcorr += img[(i * H + p + a) * W + q + b]! * K[((a * kw + b) * cin + i) * cout + o]!;
                expect(Math.abs(conv - xcorr)).toBeLessThan(1e-12);
              }
        },
      ),
      { numRuns: propertyRuns(20) },
    );
  });

  it('rejects a kernel that is not 4-D or does not match its shape', () => {
    expect(() => theanoKernelToHwio(new Float32Array(6), [2, 3])).toThrow(KerasFormatError);
    expect(() => theanoKernelToHwio(new Float32Array(5), [1, 1, 2, 3])).toThrow(/5 values/);
  });
});

describe('channelsFirstDenseToChannelsLast', () => {
  it('gives the same dense output for the channels-last flatten', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), (c, h, w, out) => {
        const t = Float64Array.from({ length: c * h * w }, (_, i) => Math.sin(i + 1)); // t[c][h][w]
        const kernel = Float32Array.from({ length: c * h * w * out }, (_, i) => Math.cos(3 * i));
        const converted = channelsFirstDenseToChannelsLast(kernel, [c * h * w, out], [c, h, w]);
        for (let o = 0; o < out; o++) {
          let cf = 0;
          let cl = 0;
          for (let ch = 0; ch < c; ch++)
            for (let y = 0; y < h; y++)
              for (let x = 0; x < w; x++) {
                const v = t[(ch * h + y) * w + x]!;
                cf += v * kernel[((ch * h + y) * w + x) * out + o]!;
                cl += v * converted.data[((y * w + x) * c + ch) * out + o]!;
              }
          expect(Math.abs(cf - cl)).toBeLessThan(1e-12);
        }
      }),
      { numRuns: propertyRuns(20) },
    );
  });

  it('rejects a kernel whose rows do not match c*h*w', () => {
    expect(() => channelsFirstDenseToChannelsLast(new Float32Array(12), [12, 1], [2, 2, 2])).toThrow(/8 rows/);
  });
});

describe('detectKernelConvention', () => {
  const layer = (name: string, kernel: number[], bias: number, wname = 'W'): KerasLayerWeights => ({
    name,
    path: `/${name}`,
    weights: [
      { name: wname, path: '', shape: kernel, dtype: 'float32', data: new Float32Array(0) },
      { name: 'b', path: '', shape: [bias], dtype: 'float32', data: new Float32Array(0) },
    ],
  });
  it('uses the bias length, then the variable names', () => {
    expect(detectKernelConvention([layer('a', [8, 3, 3, 3], 8)])).toBe('theano');
    expect(detectKernelConvention([layer('a', [3, 3, 3, 8], 8)])).toBe('tensorflow');
    expect(detectKernelConvention([layer('a', [3, 3, 3, 3], 3, 'a_W')])).toBe('theano');
    expect(detectKernelConvention([layer('a', [3, 3, 3, 3], 3, 'a_W_1:0')])).toBe('tensorflow');
    expect(detectKernelConvention([])).toBe('unknown');
  });
});
