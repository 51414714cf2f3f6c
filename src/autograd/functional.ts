/**
 * The functional API (JAX style) over the tape: vjp, grad and valueAndGrad. Each call records its
 * own tape, keeps the forward intermediates only as long as the pullback needs them, and frees
 * them afterwards, so repeated calls do not grow memory.
 *
 * Called under an enclosing tape that tracks an argument (a gradient of a gradient), vjp records
 * on that tape too and frees nothing itself: the enclosing tape's rules need the intermediates of
 * both passes, so they stay in the caller's scope until the enclosing pullback is done. Pass the
 * tensors to differentiate through as arguments: a watched tensor that f only closes over does not
 * make the call nested, and its intermediates are freed after the inner pullback as usual.
 */
import { beginScope, detachScope, endScope, scope } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { GradientTape, isTrackedByAnyTape, record } from './tape.js';

export interface VjpResult {
  /** f(xs). Owned by the caller (lives in the caller's scope). */
  value: Tensor;
  /**
   * Cotangents of each argument for the output cotangent dy (default: ones, for a scalar value).
   * Frees the forward intermediates: call at most once.
   */
  pullback(dy?: Tensor): Tensor[];
  /** Frees the forward intermediates without computing gradients. */
  dispose(): void;
}

/** Evaluates f at xs and returns its value and pullback. */
export function vjp(f: (...xs: Tensor[]) => Tensor, ...xs: Tensor[]): VjpResult {
  return isTrackedByAnyTape(xs) ? nestedVjp(f, xs) : ownedVjp(f, xs);
}

function ownedVjp(f: (...xs: Tensor[]) => Tensor, xs: Tensor[]): VjpResult {
  const frame = beginScope();
  const tape = new GradientTape();
  let value: Tensor;
  let inputs: Tensor[];
  try {
    // Fresh views give each argument its own identity, so f(x, x) yields two gradients.
    inputs = xs.map((x) => tape.watch(x.view()));
    value = f(...inputs);
  } catch (e) {
    tape.stop();
    endScope(undefined, frame);
    throw e;
  }
  tape.stop();
  // The tape differentiates `out`; the caller gets `value`, a separate view when f returned one
  // of its inputs (the inputs are released with the intermediates).
  const out = value;
  if (inputs.includes(value)) value = value.view();
  let intermediates: Set<Tensor> | null = detachScope(frame, value);
  const release = (): void => {
    if (!intermediates) return;
    for (const t of intermediates) t.dispose();
    intermediates = null;
  };
  return {
    value,
    pullback(dy?: Tensor): Tensor[] {
      if (!intermediates) throw new Error('pullback: already called or disposed; run vjp again');
      try {
        return scope(() => tape.gradient(out, inputs, dy));
      } finally {
        release();
      }
    },
    dispose: release,
  };
}

/** vjp under an enclosing tape: see the file comment. */
function nestedVjp(f: (...xs: Tensor[]) => Tensor, xs: Tensor[]): VjpResult {
  // The views are recorded (as identities) before this tape exists, so that enclosing tapes see
  // everything f computes as a function of xs.
  const views = xs.map((x) => record('view', [x], x.view(), (dy) => [dy]));
  const tape = new GradientTape();
  let out: Tensor;
  try {
    out = f(...views.map((v) => tape.watch(v)));
  } finally {
    tape.stop();
  }
  const value = views.includes(out) ? record('view', [out], out.view(), (dy) => [dy]) : out;
  let used = false;
  return {
    value,
    pullback(dy?: Tensor): Tensor[] {
      if (used) throw new Error('pullback: already called or disposed; run vjp again');
      used = true;
      return tape.gradient(out, views, dy);
    },
    dispose(): void {
      used = true;
    },
  };
}

/** Gradient of a scalar function with respect to each argument. */
export function grad(f: (...xs: Tensor[]) => Tensor): (...xs: Tensor[]) => Tensor[] {
  return (...xs) => valueAndGrad(f)(...xs).grads;
}

/** The value of a scalar function and its gradient with respect to each argument. */
export function valueAndGrad(f: (...xs: Tensor[]) => Tensor): (...xs: Tensor[]) => { value: Tensor; grads: Tensor[] } {
  return (...xs) => {
    const r = vjp(f, ...xs);
    return { value: r.value, grads: r.pullback() };
  };
}
