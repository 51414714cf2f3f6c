/** reshape: a new view of the same storage (no copy), so it costs nothing on any backend. */
import { formatShape, sizeOf, type Shape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { record } from '../tape.js';

/** One dimension may be −1 and is inferred. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const resolved = resolveShape(x, shape);
  const out = x.view(resolved);
  return record('reshape', [x], out, (dy) => [reshape(dy, x.shape)]);
}

/** [N, ...] → [N, prod(...)]. */
export function flatten(x: Tensor): Tensor {
  return reshape(x, [x.shape[0] ?? 1, -1]);
}

export function expandDims(x: Tensor, axis: number): Tensor {
  const a = axis < 0 ? axis + x.rank + 1 : axis;
  if (a < 0 || a > x.rank) throw new Error(`expandDims: axis ${axis} is out of range for rank ${x.rank}`);
  const s = [...x.shape];
  s.splice(a, 0, 1);
  return reshape(x, s);
}

/** Removes the given size-1 axes (all of them when none are given). */
export function squeeze(x: Tensor, axes?: number[]): Tensor {
  const drop = new Set((axes ?? x.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0)).map((a) => (a < 0 ? a + x.rank : a)));
  for (const a of drop) {
    if (x.shape[a] !== 1) throw new Error(`squeeze: axis ${a} of ${formatShape(x.shape)} has size ${x.shape[a]}, not 1`);
  }
  return reshape(x, x.shape.filter((_, i) => !drop.has(i)));
}

function resolveShape(x: Tensor, shape: Shape): number[] {
  const s = [...shape];
  const inferred = s.indexOf(-1);
  if (inferred >= 0) {
    if (s.indexOf(-1, inferred + 1) >= 0) throw new Error(`reshape: only one dimension may be -1 in ${formatShape(shape)}`);
    const rest = sizeOf(s.filter((_, i) => i !== inferred));
    if (rest === 0 || x.size % rest !== 0) {
      throw new Error(`reshape: cannot reshape ${formatShape(x.shape)} (${x.size} elements) to ${formatShape(shape)}`);
    }
    s[inferred] = x.size / rest;
  }
  if (s.some((d) => !Number.isInteger(d) || d < 0) || sizeOf(s) !== x.size) {
    throw new Error(`reshape: cannot reshape ${formatShape(x.shape)} (${x.size} elements) to ${formatShape(shape)}`);
  }
  return s;
}
