/**
 * Strided addressing for the generic kernels (elementwise, copies): an iteration shape, and per
 * operand a stride per axis (0 where it is broadcast) and a base offset. Before generating WGSL,
 * size-1 axes are dropped and neighbouring axes that are contiguous for every operand are merged,
 * so most real cases (same shapes, bias rows, whole-row slices) need one or two axes, i.e. few
 * integer divisions per element — they are slow on GPUs and scalarised on llvmpipe.
 */
import { broadcastStrides, stridesOf, type Shape } from '../../tensor/shape.js';

/** Row-major strides and broadcast strides live with the shapes (tensor/shape.ts). */
export { broadcastStrides, stridesOf as contiguousStrides };

export interface StridedProblem {
  shape: number[];
  /** strides[k][axis] for operand k. */
  strides: number[][];
}

/** Drops size-1 axes and merges axes that are contiguous for every operand. */
export function collapse(shape: Shape, strides: readonly (readonly number[])[]): StridedProblem {
  const keep = shape.map((d, i) => (d === 1 ? -1 : i)).filter((i) => i >= 0);
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (const axis of keep) {
    const d = shape[axis]!;
    const last = outShape.length - 1;
    const mergeable = last >= 0 && strides.every((s, k) => outStrides[k]![last] === s[axis]! * d);
    if (mergeable) {
      outShape[last]! *= d;
      strides.forEach((s, k) => (outStrides[k]![last] = s[axis]!));
    } else {
      outShape.push(d);
      strides.forEach((s, k) => outStrides[k]!.push(s[axis]!));
    }
  }
  return { shape: outShape, strides: outStrides };
}

/** How a kernel addresses one operand after collapsing. */
export type Addressing = 'linear' | 'scalar' | 'strided';

export function addressing(p: StridedProblem, k: number): Addressing {
  const s = p.strides[k]!;
  if (s.every((v) => v === 0)) return 'scalar';
  const c = stridesOf(p.shape);
  return s.every((v, i) => v === c[i]) ? 'linear' : 'strided';
}

/**
 * WGSL that splits the flat index `gid` into coordinates c0…c{rank-1} over the axes whose
 * sizes are params `<prefix>d<i>`.
 */
export function decomposeWgsl(rank: number, prefix: string, index = 'gid'): string {
  if (rank === 0) return '';
  const lines: string[] = [`var rem_ = ${index};`];
  for (let i = rank - 1; i >= 1; i--) {
    lines.push(`let c${i} = rem_ % p.${prefix}d${i}; rem_ = rem_ / p.${prefix}d${i};`);
  }
  lines.push('let c0 = rem_;');
  return lines.join(' ');
}

/** WGSL offset expression Σ c_i · p.<name>s<i> + p.<name>o. */
export function offsetWgsl(rank: number, name: string, withBase: boolean): string {
  const terms = Array.from({ length: rank }, (_, i) => `c${i} * p.${name}s${i}`);
  if (withBase) terms.push(`p.${name}o`);
  return terms.length > 0 ? terms.join(' + ') : '0u';
}

/**
 * The smallest element range [lo, hi) an operand with these (non-negative) strides touches while
 * the flat iteration index runs over [i0, i1): the coordinates of that run lie in a box (fixed
 * outer axes, a span on the first axis where the end points differ, full inner axes).
 */
export function boundingRange(shape: readonly number[], strides: readonly number[], base: number, i0: number, i1: number): [number, number] {
  const rank = shape.length;
  const a = unflatten(shape, i0);
  const b = unflatten(shape, i1 - 1);
  let lo = base;
  let hi = base;
  let differ = false;
  for (let d = 0; d < rank; d++) {
    const s = strides[d]!;
    if (!differ && a[d] === b[d]) {
      lo += a[d]! * s;
      hi += a[d]! * s;
      continue;
    }
    const [from, to] = differ ? [0, shape[d]! - 1] : [a[d]!, b[d]!];
    differ = true;
    lo += from * s;
    hi += to * s;
  }
  return [lo, hi + 1];
}

function unflatten(shape: readonly number[], index: number): number[] {
  const c = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    c[d] = index % shape[d]!;
    index = Math.floor(index / shape[d]!);
  }
  return c;
}
