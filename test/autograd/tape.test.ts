/**
 * The tape and the functional API: several arguments, intermediate activations, pruning, only
 * the cotangents asked for, memory.
 */
import { describe, expect, it, vi } from 'vitest';
import * as op from '../../src/autograd/ops.js';
import { GradientTape, grad, noGrad, valueAndGrad, vjp } from '../../src/autograd/index.js';
import { scalar, tensor, randomNormal } from '../../src/tensor/creation.js';
import { cpuBackend } from '../../src/kernels/cpu/cpu-backend.js';
import { scope } from '../../src/tensor/scope.js';
import type { Tensor } from '../../src/tensor/tensor.js';

const f64 = { dtype: 'float64' as const };

describe('functional API', () => {
  it('paper figure 1: f(x) = 1 − ReLU(1 − x) has gradient 0 at x = 2 and 1 at x = 0.5', async () => {
    const f = (x: Tensor): Tensor => op.sub(op.scalarLike(x, 1), op.relu(op.sub(op.scalarLike(x, 1), x)));
    const [g2] = grad(f)(scalar(2, f64));
    const [g05] = grad(f)(scalar(0.5, f64));
    expect(await g2!.item()).toBe(0);
    expect(await g05!.item()).toBe(1);
  });

  it('valueAndGrad differentiates with respect to every argument, including a repeated one', async () => {
    const x = tensor([1, 2, 3], [3], f64);
    const y = tensor([4, 5, 6], [3], f64);
    const { value, grads } = valueAndGrad((a, b) => op.sum(op.mul(a, b)))(x, y);
    expect(await value.item()).toBe(32);
    expect(await grads[0]!.toArray()).toEqual([4, 5, 6]);
    expect(await grads[1]!.toArray()).toEqual([1, 2, 3]);
    // f(x, x) = Σ x²: each argument position gets its own partial derivative x.
    const same = grad((a, b) => op.sum(op.mul(a, b)))(x, x);
    expect(await same[0]!.toArray()).toEqual([1, 2, 3]);
    expect(await same[1]!.toArray()).toEqual([1, 2, 3]);
  });

  it('vjp returns the value and a pullback for a non-scalar output', async () => {
    const x = tensor([1, 2], [2], f64);
    const r = vjp((a) => op.mul(a, a), x);
    expect(await r.value.toArray()).toEqual([1, 4]);
    const [g] = r.pullback(tensor([1, 10], [2], f64));
    expect(await g!.toArray()).toEqual([2, 40]);
    expect(() => r.pullback()).toThrow(/already called/);
  });

  it('an argument the output does not depend on gets zeros; identity gets the cotangent', async () => {
    const x = tensor([1, 2], [2], f64);
    const y = tensor([3, 4], [2], f64);
    const [gx, gy] = grad((a) => op.sum(a))(x, y);
    expect(await gx!.toArray()).toEqual([1, 1]);
    expect(await gy!.toArray()).toEqual([0, 0]);
    const r = vjp((a) => a, x);
    expect(await r.pullback(tensor([5, 6], [2], f64))[0]!.toArray()).toEqual([5, 6]);
    expect(await r.value.toArray()).toEqual([1, 2]);
  });

  it('gradient with respect to an intermediate activation, and only the path above it is visited', async () => {
    const x = tensor([0.5, -1, 2], [3], f64);
    const tape = new GradientTape();
    tape.watch(x);
    const a = op.exp(x); // hidden layer A
    const y = op.sum(op.mul(a, a));
    const [gA, gx] = tape.gradient(y, [a, x]);
    const av = await a.toArray();
    expect(await gA!.toArray()).toEqual(av.map((v) => 2 * v));
    // dy/dx = 2 e^{2x}
    (await gx!.toArray()).forEach((g, i) => expect(g).toBeCloseTo(2 * Math.exp(2 * [0.5, -1, 2][i]!), 10));
  });

  it('ops on tensors that do not depend on watched tensors are not recorded', async () => {
    const x = tensor([1, 2], [2], f64);
    const w = tensor([3, 4], [2], f64);
    const tape = new GradientTape();
    // Watch an intermediate only: the ops below it are never recorded, so their VJPs cannot run.
    const below = op.exp(x);
    tape.watch(below);
    const y = op.sum(op.mul(below, w));
    const [g] = tape.gradient(y, [below]);
    expect(await g!.toArray()).toEqual([3, 4]);
    const tape2 = new GradientTape();
    const y2 = op.sum(op.mul(tape2.watch(below), w));
    expect(() => tape2.gradient(y2, [x])).toThrow(/neither watched nor computed/);
  });

  it('computes only the cotangents that lead to a requested tensor: no filter or weight gradients for ∂y/∂x', async () => {
    const cpu = cpuBackend();
    const x = randomNormal([1, 5, 5, 2], 0, 1, { seed: 4, dtype: 'float64' });
    const w = randomNormal([3, 3, 2, 3], 0, 1, { seed: 5, dtype: 'float64' });
    const d = randomNormal([75, 4], 0, 1, { seed: 6, dtype: 'float64' });
    const f = (): Tensor => op.sum(op.matmul(op.reshape(op.conv2d(x, w, { padding: 'same', activation: 'relu' }), [1, 75]), d));
    const calls = { filter: vi.spyOn(cpu, 'conv2dBackpropFilter'), input: vi.spyOn(cpu, 'conv2dBackpropInput'), matmul: vi.spyOn(cpu, 'matmul') };
    try {
      const tape = new GradientTape();
      [x, w, d].forEach((t) => tape.watch(t));
      const y = f();
      const productsBefore = calls.matmul.mock.calls.length;
      const [gx] = tape.gradient(y, [x]);
      expect(calls.filter).not.toHaveBeenCalled();
      expect(calls.input).toHaveBeenCalledTimes(1);
      // The dense layer's cotangent for its input only, not for its weights.
      expect(calls.matmul.mock.calls.length - productsBefore).toBe(1);
      // Asking for everything computes the rest, and the same ∂y/∂x.
      const all = new GradientTape();
      [x, w, d].forEach((t) => all.watch(t));
      const [gx2, gw, gd] = all.gradient(f(), [x, w, d]);
      expect(calls.filter).toHaveBeenCalledTimes(1);
      expect(gw!.shape).toEqual([3, 3, 2, 3]);
      expect(gd!.shape).toEqual([75, 4]);
      expect(await gx!.toArray()).toEqual(await gx2!.toArray());
    } finally {
      Object.values(calls).forEach((c) => c.mockRestore());
    }
  });

  it('noGrad keeps work off the tape', () => {
    const x = tensor([1, 2], [2], f64);
    const tape = new GradientTape();
    tape.watch(x);
    const y = noGrad(() => op.mul(x, x));
    tape.stop();
    expect(() => tape.gradient(y, [y])).toThrow(/neither watched/);
  });

  it('repeated valueAndGrad calls inside scopes leave memory flat (the tape is released)', () => {
    const cpu = cpuBackend();
    const x = randomNormal([8, 8], 0, 1, { seed: 1 });
    const w = randomNormal([8, 8], 0, 1, { seed: 2 });
    const step = (): void => {
      scope(() => {
        valueAndGrad((a, b) => op.sum(op.relu(op.matmul(a, b))))(x, w);
      });
    };
    step();
    const before = cpu.bytesInUse();
    for (let i = 0; i < 50; i++) step();
    expect(cpu.bytesInUse()).toBe(before);
  });

  it('a vjp that is disposed without a pullback frees its intermediates', () => {
    const cpu = cpuBackend();
    const x = randomNormal([16], 0, 1, { seed: 3 });
    const before = cpu.bytesInUse();
    const r = vjp((a) => op.sum(op.exp(op.mul(a, a))), x);
    r.dispose();
    r.value.dispose();
    expect(cpu.bytesInUse()).toBe(before);
  });
});

describe('errors name the op and the shapes', () => {
  it('broadcast mismatch', () => {
    expect(() => op.add(tensor([1, 2, 3]), tensor([1, 2]))).toThrow(/add: shapes \[3\] and \[2\] cannot be broadcast/);
  });
  it('bad axis', () => {
    expect(() => op.sum(tensor([1, 2, 3]), 2)).toThrow(/sum: axis 2 is out of range for a tensor of rank 1/);
  });
  it('mixed dtypes', () => {
    expect(() => op.mul(tensor([1]), tensor([1], [1], f64))).toThrow(/mul: inputs have different dtypes \(float32 \[1\] and float64 \[1\]\)/);
  });
  it('disposed tensor', () => {
    const t = tensor([1, 2]);
    t.dispose();
    expect(() => op.exp(t)).toThrow(/exp: input \[2\] .* has been disposed/);
  });
  it('matmul inner dimensions', () => {
    expect(() => op.matmul(tensor([1, 2, 3, 4, 5, 6], [2, 3]), tensor([1, 2, 3, 4], [2, 2]))).toThrow(/matmul: inner dimensions differ: \[2, 3\] × \[2, 2\]/);
  });
  it('conv2d channel mismatch', () => {
    const x = tensor(new Array(2 * 4 * 4 * 3).fill(0), [2, 4, 4, 3]);
    const w = tensor(new Array(3 * 3 * 2 * 5).fill(0), [3, 3, 2, 5]);
    expect(() => op.conv2d(x, w)).toThrow(/conv2d: input \[2, 4, 4, 3\] has 3 channels but filter \[3, 3, 2, 5\] expects 2/);
  });
  it('reshape size', () => {
    expect(() => op.reshape(tensor([1, 2, 3]), [2, 2])).toThrow(/reshape: cannot reshape \[3\] \(3 elements\) to \[2, 2\]/);
  });
});
