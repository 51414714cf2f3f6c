/**
 * Reductions (sum / max / min) over any set of axes in one pass over the input in memory order.
 * The accumulator is read "as a broadcast" of the output: stride 0 along reduced axes, so a
 * reduction over trailing axes becomes long runs into one scalar and a reduction over leading
 * axes becomes row-wise accumulation into a contiguous accumulator row. Accumulation is in
 * double precision (a Float64Array) whatever the dtype; the result is rounded once at the end.
 */
import type { ReduceOp } from '../backend.js';
import type { DType, TypedArray } from '../../tensor/dtype.js';
import type { Shape } from '../../tensor/shape.js';
import { alloc } from './cpu-storage.js';
import { contiguousStrides, forEachRun } from './strided-runs.js';

/** acc[ia + i*sa] ⊕= x[ix + i*sx] for i < n. */
type ReduceLoop = (acc: Float64Array, ia: number, sa: number, x: TypedArray, ix: number, sx: number, n: number) => void;

const LOOPS: Record<ReduceOp, ReduceLoop> = {
  sum: (acc, ia, sa, x, ix, sx, n) => {
    if (sa === 0) {
      let s = acc[ia]!;
      for (let i = 0; i < n; i++, ix += sx) s += x[ix]!;
      acc[ia] = s;
    } else {
      for (let i = 0; i < n; i++, ix += sx, ia += sa) acc[ia]! += x[ix]!;
    }
  },
  // `v > m || v !== v` lets a NaN win and then stay (nothing compares greater than NaN).
  max: (acc, ia, sa, x, ix, sx, n) => {
    for (let i = 0; i < n; i++, ix += sx, ia += sa) {
      const v = x[ix]!;
      if (v > acc[ia]! || v !== v) acc[ia] = v;
    }
  },
  min: (acc, ia, sa, x, ix, sx, n) => {
    for (let i = 0; i < n; i++, ix += sx, ia += sa) {
      const v = x[ix]!;
      if (v < acc[ia]! || v !== v) acc[ia] = v;
    }
  },
};

const IDENTITY: Record<ReduceOp, number> = { sum: 0, max: -Infinity, min: Infinity };

export function reduce(op: ReduceOp, x: TypedArray, shape: Shape, axes: readonly number[], dtype: DType, out?: TypedArray): TypedArray {
  const loop = LOOPS[op];
  if (!loop) throw new Error(`cpu.reduce: unknown op '${String(op)}'`);
  const reduced = new Set(axes);
  for (const a of axes) {
    if (!Number.isInteger(a) || a < 0 || a >= shape.length) {
      throw new Error(`cpu.reduce: axis ${a} is out of range for shape [${shape.join(', ')}]`);
    }
  }
  // Accumulator strides along x's axes: 0 on reduced axes, the output's strides elsewhere.
  const outShape = shape.filter((_, i) => !reduced.has(i));
  const outStrides = contiguousStrides(outShape);
  const accStrides: number[] = [];
  let k = 0;
  for (let i = 0; i < shape.length; i++) accStrides.push(reduced.has(i) ? 0 : outStrides[k++]!);

  let outSize = 1;
  for (const d of outShape) outSize *= d;
  const acc = new Float64Array(outSize).fill(IDENTITY[op]);
  forEachRun(shape, [accStrides, contiguousStrides(shape)], [0, 0], (off, st, n) =>
    loop(acc, off[0]!, st[0]!, x, off[1]!, st[1]!, n),
  );
  const o = out ?? alloc(dtype, outSize);
  o.set(acc);
  return o;
}
