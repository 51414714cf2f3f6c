/**
 * Keras activations, composed from existing differentiable ops (no kernel of their own: each is
 * exact up to rounding, and their gradients come from the ops' rules).
 */
import * as op from '../autograd/ops.js';
import type { Tensor } from '../tensor/tensor.js';

export const ACTIVATIONS = ['linear', 'relu', 'relu6', 'sigmoid', 'tanh', 'softmax', 'swish'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** Keras spells some activations more than one way (Keras 3 writes `silu` for `swish`). */
const ALIASES: Readonly<Record<string, Activation>> = { silu: 'swish' };

/** The activation a Keras config names, or null when it is not one stieltjes has. */
export function parseActivation(name: string): Activation | null {
  const a = ALIASES[name] ?? name;
  return (ACTIVATIONS as readonly string[]).includes(a) ? (a as Activation) : null;
}

/**
 * σ(x) without overflow in value or gradient: 1/(1+e^−x) for x ≥ 0 and e^x/(1+e^x) below, each
 * branch evaluated only at inputs where it is finite (a `where` would otherwise pass 0·∞ = NaN
 * back from the branch it did not take).
 */
export function sigmoid(x: Tensor): Tensor {
  const zero = op.scalarLike(x, 0);
  const one = op.scalarLike(x, 1);
  const nonNegative = op.greaterEqual(x, zero);
  const xp = op.where(nonNegative, x, zero);
  const xn = op.where(nonNegative, zero, x);
  const en = op.exp(xn);
  const positive = op.div(one, op.add(one, op.exp(op.neg(xp))));
  const negative = op.div(en, op.add(one, en));
  return op.where(nonNegative, positive, negative);
}

/** tanh(x) = 2σ(2x) − 1: exact up to an absolute rounding error (≈1e-7 in float32) near 0. */
export function tanh(x: Tensor): Tensor {
  const two = op.scalarLike(x, 2);
  return op.sub(op.mul(two, sigmoid(op.mul(two, x))), op.scalarLike(x, 1));
}

export function activate(x: Tensor, activation: Activation, logits?: boolean): Tensor {
  switch (activation) {
    case 'relu':
      return op.relu(x);
    case 'relu6':
      return op.minimum(op.relu(x), op.scalarLike(x, 6));
    case 'sigmoid':
      return sigmoid(x);
    case 'tanh':
      return tanh(x);
    case 'swish':
      return op.mul(x, sigmoid(x));
    case 'softmax':
      return logits ? x : op.softmax(x, -1);
    case 'linear':
      return x;
  }
}
