/**
 * Finite numbers or an error (issue 19): inputs and baselines are checked when a method starts,
 * results before they are returned or written, and a non-finite result names where it first
 * appeared (the first layer whose activation is NaN or ±Inf). Callers who want the raw numbers
 * pass `allowNonFinite: true`. Browser-safe.
 */
import { noGrad } from '../autograd/tape.js';
import { firstNonFiniteIndex } from '../models/finite-weights.js';
import type { LayeredModel } from '../models/sequential.js';
import { keep, scope } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';

/** A NaN or ±Inf where a number was expected; `where` names the array or layer. */
export class NonFiniteError extends Error {
  constructor(
    message: string,
    readonly where: string,
  ) {
    super(message);
    this.name = 'NonFiniteError';
  }
}

/** What a caller says to keep NaN and ±Inf instead of getting a NonFiniteError. */
export const ALLOW_HINT = 'pass allowNonFinite: true (command line: --allow-non-finite) to keep the raw numbers';

/** Index of the first NaN or ±Inf, or −1 (one definition, shared with the weight check at load). */
export const firstNonFinite = firstNonFiniteIndex;

/** Throws a NonFiniteError naming `what` and the first bad element (then `hint`, if given). */
export function checkFiniteValues(values: ArrayLike<number>, what: string, hint?: string): void {
  const i = firstNonFinite(values);
  if (i >= 0) throw new NonFiniteError(`${what}: element ${i} of ${values.length} is ${values[i]} (not finite)${hint ? `; ${hint}` : ''}`, what);
}

/**
 * Reads a tensor back once and checks it: for inputs and baselines at a method's entry, where
 * one read of one image costs little against the passes that follow.
 */
export async function checkFiniteTensor(t: Tensor, what: string): Promise<void> {
  const v = await t.data();
  checkFiniteValues(v, what);
}

/**
 * The first layer (in the model's order, where each layer follows the layers it reads) whose
 * activation at `x` is not finite, 'input' if `x` itself is not, or undefined if none is: the
 * diagnosis behind a non-finite result. One run capturing every layer (only on the failure path,
 * so its memory is no concern), which suits chains and graphs with skip connections alike.
 */
export async function firstNonFiniteLayer(model: LayeredModel, x: Tensor): Promise<string | undefined> {
  if (firstNonFinite(await x.data()) >= 0) return 'input';
  const names = model.layerNames;
  const captured = noGrad(() =>
    scope(() => {
      const { activations } = model.run(x, { capture: names });
      return names.map((n) => keep(activations.get(n)!));
    }),
  );
  try {
    for (const [i, t] of captured.entries()) if (firstNonFinite(await t.data()) >= 0) return names[i];
    return undefined;
  } finally {
    // A layer may hand back its input unchanged (the caller's x, or another layer's tensor).
    for (const t of new Set(captured)) if (t !== x) t.dispose();
  }
}

/**
 * Checks a method's results (named arrays and numbers); when one is not finite, runs the model on
 * the input (and the baseline, if the input is clean) to say which layer first went non-finite.
 */
export async function checkFiniteResults(
  method: string,
  results: readonly { what: string; values: ArrayLike<number> }[],
  diagnose: { model: LayeredModel; input: Tensor; baseline?: Tensor; inputName?: string },
): Promise<void> {
  for (const r of results) {
    const i = firstNonFinite(r.values);
    if (i < 0) continue;
    const { model, input, baseline } = diagnose;
    let origin = await firstNonFiniteLayer(model, input);
    let at = diagnose.inputName ?? 'the input';
    if (origin === undefined && baseline) {
      origin = await firstNonFiniteLayer(model, baseline);
      at = 'the baseline';
    }
    const where =
      origin === undefined
        ? `every activation at ${at} is finite, so it arose in the method itself (e.g. an overflow in a gradient)`
        : origin === 'input'
          ? `${at} itself is not finite`
          : `it first appears in layer ${origin}'s activation at ${at} (model ${model.name})`;
    throw new NonFiniteError(`${method}: ${r.what} element ${i} is ${r.values[i]} (not finite); ${where}; ${ALLOW_HINT}`, origin ?? r.what);
  }
}
