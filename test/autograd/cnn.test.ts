/**
 * A small CNN (conv → relu → maxpool → dense → softmax): gradients with respect to the input and
 * to an intermediate activation match finite differences, and the tape's gradient at the hidden
 * layer equals the gradient of the head alone.
 */
import { describe, expect, it } from 'vitest';
import * as op from '../../src/autograd/ops.js';
import { GradientTape } from '../../src/autograd/tape.js';
import { randomNormal, tensor } from '../../src/tensor/creation.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { assertGrads, makeValues } from '../../src/testing/index.js';

const f64 = { dtype: 'float64' as const };
const filter = randomNormal([3, 3, 2, 4], 0, 0.5, { ...f64, seed: 11 });
const bias = randomNormal([4], 0, 0.1, { ...f64, seed: 12 });
const dense = randomNormal([2 * 2 * 4, 5], 0, 0.5, { ...f64, seed: 13 });
const target = 3;

function body(x: Tensor): Tensor {
  return op.relu(op.conv2d(x, filter, { padding: 'same', bias }));
}
function head(a: Tensor): Tensor {
  const pooled = op.maxPool2d(a, { window: 2 });
  const logits = op.matmul(op.flatten(pooled), dense);
  return op.pickClasses(op.softmax(logits), [target]);
}

describe('small CNN gradients', () => {
  const x = randomNormal([1, 4, 4, 2], 0, 1, { ...f64, seed: 10 });

  it('input gradient matches finite differences', async () => {
    await assertGrads((xi) => head(body(xi)), [x], { elementwiseUpTo: 32 });
  });

  it('intermediate-activation gradient matches finite differences of the head', async () => {
    // ReLU zeros tie inside max-pool windows; distinct offsets keep the point off those ties.
    const a = op.add(op.relu(body(x)), tensor(makeValues(64, 5, { minGap: 0.01, positive: true, minAbs: 0.01 }), [1, 4, 4, 4], f64));
    await assertGrads(head, [a], { elementwiseUpTo: 64 });
  });

  it('the tape gives the same ∂y/∂A whether A is reached from x or watched directly', async () => {
    const tape = new GradientTape();
    tape.watch(x);
    const a = body(x);
    const y = head(a);
    const [fromFull] = tape.gradient(y, [a]);
    const tape2 = new GradientTape();
    const a2 = tape2.watch(body(x));
    const [direct] = tape2.gradient(head(a2), [a2]);
    expect(await fromFull!.toArray()).toEqual(await direct!.toArray());
  });
});
