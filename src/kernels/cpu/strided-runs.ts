/**
 * Strided iteration shared by the elementwise, reduction and layout kernels: a row-major walk
 * over a shape where every operand has its own strides (0 along an axis it is broadcast over)
 * and base offset. Size-1 axes are dropped and adjacent axes that are contiguous for every
 * operand are merged first, so the common cases (equal shapes, a broadcast row or column, a
 * slice of whole rows) become a few long runs along the last axis instead of a per-element
 * index computation. The callback handles one run; it is where the per-op loop lives.
 */
import { broadcastStrides, stridesOf, type Shape } from '../../tensor/shape.js';

/** Row-major strides and broadcast strides live with the shapes (tensor/shape.ts). */
export { broadcastStrides, stridesOf as contiguousStrides };

/**
 * Handles `length` elements: operand k starts at offsets[k] and advances by steps[k].
 * The arrays are reused between calls; read them, do not keep them.
 */
export type RunFn = (offsets: readonly number[], steps: readonly number[], length: number) => void;

/** Walks `shape` in row-major order as runs along the last merged axis (see the file comment). */
export function forEachRun(
  shape: Shape,
  strides: readonly (readonly number[])[],
  bases: readonly number[],
  run: RunFn,
): void {
  const nOps = strides.length;
  for (const d of shape) if (d === 0) return;

  // Merge from the innermost axis outwards: axis i joins the current merged axis when, for every
  // operand, stepping once along i is the same as stepping `size` times along the merged axis.
  const dims: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    if (d === 1) continue;
    const last = dims.length - 1;
    let mergeable = last >= 0;
    for (let k = 0; k < nOps && mergeable; k++) {
      if (strides[k]![i] !== st[k]![last]! * dims[last]!) mergeable = false;
    }
    if (mergeable) {
      dims[last] = dims[last]! * d;
    } else {
      dims.push(d);
      for (let k = 0; k < nOps; k++) st[k]!.push(strides[k]![i]!);
    }
  }

  const offsets = [...bases];
  if (dims.length === 0) {
    run(offsets, new Array<number>(nOps).fill(0), 1);
    return;
  }
  // dims[0] / st[k][0] is now the innermost axis; the rest are walked by an odometer.
  const inner = dims[0]!;
  const steps = st.map((s) => s[0]!);
  const outer = dims.length - 1;
  if (outer === 0) {
    run(offsets, steps, inner);
    return;
  }
  const counter = new Array<number>(outer).fill(0);
  for (;;) {
    run(offsets, steps, inner);
    // Advance the odometer; offsets are recomputed incrementally per operand.
    let axis = 0;
    for (; axis < outer; axis++) {
      const d = dims[axis + 1]!;
      const c = counter[axis]! + 1;
      if (c < d) {
        counter[axis] = c;
        for (let k = 0; k < nOps; k++) offsets[k] = offsets[k]! + st[k]![axis + 1]!;
        break;
      }
      counter[axis] = 0;
      for (let k = 0; k < nOps; k++) offsets[k] = offsets[k]! - st[k]![axis + 1]! * (d - 1);
    }
    if (axis === outer) break;
  }
}
