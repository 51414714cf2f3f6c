/**
 * Keras activations, composed from existing differentiable ops (no kernel of their own: each is
 * exact up to rounding, and their gradients come from the ops' rules).
 */
import * as op from '../autograd/ops.js';
import type { Tensor } from '../tensor/tensor.js';

export const ACTIVATIONS = ['linear', 'relu', 'relu6', 'sigmoid', 'tanh', 'softmax', 'swish', 'elu', 'selu', 'softplus', 'softsign', 'exponential', 'hard_swish', 'gelu', 'hard_sigmoid', 'hard_sigmoid_keras2'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/**
 * Keras spells some activations more than one way (Keras 3 writes `silu` for `swish`).
 * 'hard_sigmoid' is Keras 3's relu6(x + 3)/6; a Keras 1/2 config's 'hard_sigmoid' (0.2x + 0.5,
 * clipped) is read as 'hard_sigmoid_keras2' by the config loader.
 */
const ALIASES: Readonly<Record<string, Activation>> = { silu: 'swish', hard_silu: 'hard_swish' };

/** SELU's constants (Klambauer et al. 2017, as Keras has them). */
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

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

/** max(x, 0) − slope·max(−x, 0): Keras's LeakyReLU, with no tie for a `maximum` to split. */
export function leakyRelu(x: Tensor, slope: number | Tensor): Tensor {
  const a = typeof slope === 'number' ? op.scalarLike(x, slope) : slope;
  return op.sub(op.relu(x), op.mul(a, op.relu(op.neg(x))));
}

/** x for x > 0, α(e^x − 1) below: relu(x) + α(e^min(x,0) − 1), finite everywhere, gradient included. */
export function elu(x: Tensor, alpha = 1): Tensor {
  const below = op.sub(op.exp(op.neg(op.relu(op.neg(x)))), op.scalarLike(x, 1));
  return op.add(op.relu(x), op.mul(op.scalarLike(x, alpha), below));
}

/** Numerical Recipes' erfc for z ≥ 0 (Chebyshev fit; fractional error below 1.2e-7 everywhere). */
const ERFC_COEFFS = [-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277];

function erfcNonNegative(z: Tensor): Tensor {
  const one = op.scalarLike(z, 1);
  const t = op.div(one, op.add(one, op.mul(op.scalarLike(z, 0.5), z)));
  let poly = op.scalarLike(z, ERFC_COEFFS[ERFC_COEFFS.length - 1]!);
  for (let i = ERFC_COEFFS.length - 2; i >= 0; i--) poly = op.add(op.mul(t, poly), op.scalarLike(z, ERFC_COEFFS[i]!));
  return op.mul(t, op.exp(op.sub(poly, op.square(z))));
}

/**
 * GELU as Keras defines it by default (approximate=False): x·Φ(x) = ½x·erfc(−x/√2). No op
 * computes erf, so erfc is a Chebyshev fit: relative error below 1.2e-7, float32's own precision.
 */
export function gelu(x: Tensor): Tensor {
  const e = erfcNonNegative(op.div(op.abs(x), op.scalarLike(x, Math.SQRT2)));
  const twoPhi = op.where(op.greaterEqual(x, op.scalarLike(x, 0)), op.sub(op.scalarLike(x, 2), e), e);
  return op.mul(op.mul(op.scalarLike(x, 0.5), x), twoPhi);
}

/** Applies an activation; `logits` skips a softmax or sigmoid (an output head's pre-activation values). */
export function activate(x: Tensor, activation: Activation, logits?: boolean): Tensor {
  switch (activation) {
    case 'relu':
      return op.relu(x);
    case 'relu6':
      return op.minimum(op.relu(x), op.scalarLike(x, 6));
    case 'sigmoid':
      return logits ? x : sigmoid(x);
    case 'tanh':
      return tanh(x);
    case 'swish':
      return op.mul(x, sigmoid(x));
    case 'softmax':
      return logits ? x : op.softmax(x, -1);
    case 'elu':
      return elu(x);
    case 'selu':
      return op.mul(op.scalarLike(x, SELU_SCALE), elu(x, SELU_ALPHA));
    case 'softplus':
      // log(1 + e^x) = max(x, 0) + log(1 + e^−|x|): no overflow for large x.
      return op.add(op.relu(x), op.log(op.add(op.scalarLike(x, 1), op.exp(op.neg(op.abs(x))))));
    case 'softsign':
      return op.div(x, op.add(op.scalarLike(x, 1), op.abs(x)));
    case 'exponential':
      return op.exp(x);
    case 'hard_swish':
      return op.mul(x, op.div(op.minimum(op.relu(op.add(x, op.scalarLike(x, 3))), op.scalarLike(x, 6)), op.scalarLike(x, 6)));
    case 'gelu':
      return gelu(x);
    case 'hard_sigmoid':
      // Keras 3: relu6(x + 3)/6, i.e. x/6 + 0.5 clipped to [0, 1].
      return op.div(op.minimum(op.relu(op.add(x, op.scalarLike(x, 3))), op.scalarLike(x, 6)), op.scalarLike(x, 6));
    case 'hard_sigmoid_keras2':
      // Keras 1 and 2 (and Theano): 0.2x + 0.5 clipped to [0, 1].
      return op.minimum(op.relu(op.add(op.mul(x, op.scalarLike(x, 0.2)), op.scalarLike(x, 0.5))), op.scalarLike(x, 1));
    case 'linear':
      return x;
  }
}
