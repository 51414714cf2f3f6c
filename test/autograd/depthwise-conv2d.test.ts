/**
 * The depthwiseConv2d primitive beyond the table's generated cases: its fused bias + ReLU against
 * relu(depthwise + bias) and against central differences (inputs built so that no pre-activation
 * is near ReLU's kink), the identity with conv2d on a block-diagonal filter (an independent
 * kernel, so a shared misreading of the geometry would show), and its argument errors.
 */
import { describe, expect, it } from 'vitest';
import * as op from '../../src/autograd/ops.js';
import { grad } from '../../src/autograd/functional.js';
import { tensor } from '../../src/tensor/creation.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { assertGrads } from '../../src/testing/check-grads.js';

const f64 = { dtype: 'float64' as const };
const wave = (n: number, a: number, b = 0): Float64Array => Float64Array.from({ length: n }, (_, i) => Math.sin(a * i + b));

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!), `#${i}`).toBeLessThanOrEqual(tol);
}

describe('depthwiseConv2d', () => {
  const x = tensor(wave(2 * 6 * 5 * 3, 1.3), [2, 6, 5, 3], f64);
  const w = tensor(wave(3 * 3 * 3 * 2, 0.7, 0.4), [3, 3, 3, 2], f64);
  const opts = { strides: 2, padding: 'same' as const };
  // Each channel's bias is the middle of the widest gap between its outputs' negatives, so every
  // pre-activation is off ReLU's kink and each channel has some cut and some kept.
  const b = ((): Tensor => {
    const d = op.depthwiseConv2d(x, w, opts).dataSync();
    const bias = Array.from({ length: 6 }, (_, c) => {
      const v = Array.from(d.filter((_, i) => i % 6 === c), (y) => -y).sort((p, q) => p - q);
      let at = 0;
      for (let i = 1; i < v.length - 1; i++) if (v[i + 1]! - v[i]! > v[at + 1]! - v[at]!) at = i;
      return (v[at]! + v[at + 1]!) / 2;
    });
    return tensor(bias, [6], f64);
  })();

  it('fused bias + ReLU equals relu(depthwise + bias), values and gradients, with every pre-activation off the kink', () => {
    const pre = op.add(op.depthwiseConv2d(x, w, opts), b).dataSync();
    expect(Math.min(...Array.from(pre, Math.abs)), 'no pre-activation within 1e-3 of 0').toBeGreaterThan(1e-3);
    expect(pre.some((v) => v < 0) && pre.some((v) => v > 0), 'ReLU cuts some and keeps some').toBe(true);
    const u = tensor(wave(pre.length, 3.1), [2, 3, 3, 6], f64);
    const fused = (xi: Tensor, wi: Tensor, bi: Tensor): Tensor => op.sum(op.mul(op.depthwiseConv2d(xi, wi, { ...opts, bias: bi, activation: 'relu' }), u));
    const plain = (xi: Tensor, wi: Tensor, bi: Tensor): Tensor => op.sum(op.mul(op.relu(op.add(op.depthwiseConv2d(xi, wi, opts), bi)), u));
    close(fused(x, w, b).dataSync(), plain(x, w, b).dataSync(), 1e-12);
    const gf = grad(fused)(x, w, b);
    const gp = grad(plain)(x, w, b);
    gf.forEach((g, i) => close(g.dataSync(), gp[i]!.dataSync(), 1e-12));
  });

  it('fused bias + ReLU has the gradients central differences give', async () => {
    await assertGrads((xi, wi, bi) => op.depthwiseConv2d(xi!, wi!, { ...opts, bias: bi!, activation: 'relu' }), [x, w, b]);
  });

  it('with multiplier 1 equals conv2d with the block-diagonal filter, values and gradients (stride, dilation, same padding)', () => {
    const xs = tensor(wave(1 * 7 * 8 * 4, 0.9), [1, 7, 8, 4], f64);
    const dw = wave(3 * 3 * 4, 1.7, 0.2);
    const full = new Float64Array(3 * 3 * 4 * 4);
    for (let t = 0; t < 9; t++) for (let c = 0; c < 4; c++) full[(t * 4 + c) * 4 + c] = dw[t * 4 + c]!;
    const [wd, wf] = [tensor(dw, [3, 3, 4, 1], f64), tensor(full, [3, 3, 4, 4], f64)];
    const o = { strides: [2, 1] as [number, number], dilations: [1, 2] as [number, number], padding: 'same' as const };
    const u = tensor(wave(4 * 8 * 4, 2.3), [1, 4, 8, 4], f64);
    const viaDepthwise = (xi: Tensor): Tensor => op.sum(op.mul(op.depthwiseConv2d(xi, wd, o), u));
    const viaConv = (xi: Tensor): Tensor => op.sum(op.mul(op.conv2d(xi, wf, o), u));
    close(op.depthwiseConv2d(xs, wd, o).dataSync(), op.conv2d(xs, wf, o).dataSync(), 1e-12);
    close(grad(viaDepthwise)(xs)[0]!.dataSync(), grad(viaConv)(xs)[0]!.dataSync(), 1e-12);
  });

  it('refuses a channel mismatch, a wrong bias and a kernel that does not fit, naming the shapes', () => {
    expect(() => op.depthwiseConv2d(x, tensor(new Float64Array(18), [3, 3, 2, 1], f64))).toThrow(/depthwiseConv2d: input \[2, 6, 5, 3\] has 3 channels but filter \[3, 3, 2, 1\] expects 2/);
    expect(() => op.depthwiseConv2d(x, w, { bias: tensor([1, 2, 3], [3], f64) })).toThrow(/bias \[3\] does not match the filter's 6 output channels/);
    expect(() => op.depthwiseConv2d(x, tensor(new Float64Array(7 * 7 * 3), [7, 7, 3, 1], f64))).toThrow(/depthwiseConv2d: a 7×7 window/);
  });
});
