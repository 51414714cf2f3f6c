/**
 * Layout kernels: copies that move values without arithmetic (transpose, slice, pad, concat,
 * broadcastTo). Each is one strided walk (strided-runs.ts) with a copy per run; runs that are
 * contiguous on both sides use TypedArray.set, which is a memmove.
 */
import type { DType, TypedArray } from '../../tensor/dtype.js';
import { formatShape, sizeOf, type Shape } from '../../tensor/shape.js';
import { alloc, type HostArray } from './cpu-storage.js';
import { broadcastStrides, contiguousStrides, forEachRun } from './strided-runs.js';

/** Below this length a plain loop beats creating a subarray view for `set`. */
const SET_THRESHOLD = 32;

/** dst[d + i*sd] = src[s + i*ss] for i < n. */
function copyRun(dst: TypedArray, d: number, sd: number, src: TypedArray, s: number, ss: number, n: number): void {
  if (sd === 1 && ss === 1 && n >= SET_THRESHOLD) {
    dst.set(src.subarray(s, s + n), d);
    return;
  }
  for (let i = 0; i < n; i++, d += sd, s += ss) dst[d] = src[s]!;
}

/** out.shape[i] = shape[perm[i]]. */
export function transpose(x: TypedArray, shape: Shape, perm: readonly number[], dtype: DType, out?: TypedArray): TypedArray {
  if (perm.length !== shape.length || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
    throw new Error(`cpu.transpose: perm [${perm.join(', ')}] is not a permutation of the axes of ${formatShape(shape)}`);
  }
  const xStrides = contiguousStrides(shape);
  const outShape = perm.map((p) => shape[p]!);
  const o = out ?? alloc(dtype, x.length);
  forEachRun(outShape, [contiguousStrides(outShape), perm.map((p) => xStrides[p]!)], [0, 0], (off, st, n) =>
    copyRun(o, off[0]!, st[0]!, x, off[1]!, st[1]!, n),
  );
  return o;
}

export function slice(
  x: TypedArray, shape: Shape, begin: readonly number[], size: readonly number[], dtype: DType, out?: TypedArray,
): TypedArray {
  shape.forEach((d, i) => {
    const b = begin[i]!;
    const s = size[i]!;
    if (!(b >= 0 && s >= 0 && b + s <= d)) {
      throw new Error(`cpu.slice: begin [${begin.join(', ')}] size [${size.join(', ')}] exceed ${formatShape(shape)}`);
    }
  });
  const xStrides = contiguousStrides(shape);
  let base = 0;
  for (let i = 0; i < shape.length; i++) base += begin[i]! * xStrides[i]!;
  const o = out ?? alloc(dtype, sizeOf(size));
  forEachRun(size, [contiguousStrides(size), xStrides], [0, base], (off, st, n) =>
    copyRun(o, off[0]!, st[0]!, x, off[1]!, st[1]!, n),
  );
  return o;
}

export function pad(
  x: TypedArray, shape: Shape, paddings: readonly (readonly [number, number])[], value: number, dtype: DType, out?: TypedArray,
): TypedArray {
  const outShape = shape.map((d, i) => {
    const [before, after] = paddings[i]!;
    if (before < 0 || after < 0) throw new Error(`cpu.pad: negative padding [${before}, ${after}] on axis ${i}`);
    return before + d + after;
  });
  const outStrides = contiguousStrides(outShape);
  let base = 0;
  for (let i = 0; i < shape.length; i++) base += paddings[i]![0] * outStrides[i]!;
  // A given output may hold anything: fill it whatever the value (a new array is already zero).
  const o = out ?? alloc(dtype, sizeOf(outShape));
  if (value !== 0 || out !== undefined) o.fill(value);
  forEachRun(shape, [outStrides, contiguousStrides(shape)], [base, 0], (off, st, n) =>
    copyRun(o, off[0]!, st[0]!, x, off[1]!, st[1]!, n),
  );
  return o;
}

export function concat(xs: readonly HostArray[], axis: number, dtype: DType, given?: TypedArray): TypedArray {
  const first = xs[0];
  if (!first) throw new Error('cpu.concat: no inputs');
  const rank = first.shape.length;
  if (axis < 0 || axis >= rank) throw new Error(`cpu.concat: axis ${axis} is out of range for rank ${rank}`);
  let outer = 1;
  for (let i = 0; i < axis; i++) outer *= first.shape[i]!;
  let axisTotal = 0;
  for (const { shape } of xs) {
    if (shape.length !== rank || shape.some((d, i) => i !== axis && d !== first.shape[i])) {
      throw new Error(`cpu.concat: shape ${formatShape(shape)} does not match ${formatShape(first.shape)} off axis ${axis}`);
    }
    axisTotal += shape[axis]!;
  }
  const inner = sizeOf(first.shape.slice(axis + 1));
  const outRow = axisTotal * inner;
  const out = given ?? alloc(dtype, outer * outRow);
  // Each input contributes one contiguous chunk per outer index, placed side by side.
  let col = 0;
  for (const { data, shape } of xs) {
    const chunk = shape[axis]! * inner;
    for (let o = 0; o < outer; o++) copyRun(out, o * outRow + col, 1, data, o * chunk, 1, chunk);
    col += chunk;
  }
  return out;
}

/** Materialises a broadcast; ranks are already aligned (shape.length === outShape.length). */
export function broadcastTo(x: TypedArray, shape: Shape, outShape: Shape, dtype: DType, given?: TypedArray): TypedArray {
  if (shape.length !== outShape.length || shape.some((d, i) => d !== 1 && d !== outShape[i])) {
    throw new Error(`cpu.broadcastTo: cannot broadcast ${formatShape(shape)} to ${formatShape(outShape)}`);
  }
  const out = given ?? alloc(dtype, sizeOf(outShape));
  forEachRun(outShape, [contiguousStrides(outShape), broadcastStrides(shape, outShape)], [0, 0], (off, st, n) =>
    copyRun(out, off[0]!, st[0]!, x, off[1]!, st[1]!, n),
  );
  return out;
}
