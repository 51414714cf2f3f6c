/** Layout ops that move data without arithmetic: transpose, slice, pad, concat. */
import { execute } from '../../tensor/engine.js';
import { formatShape, normalizeAxis } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { record } from '../tape.js';

/** out.shape[i] = x.shape[perm[i]]; default reverses the axes. */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const p = perm ?? x.shape.map((_, i) => x.rank - 1 - i);
  const sorted = [...p].sort((a, b) => a - b);
  if (p.length !== x.rank || sorted.some((v, i) => v !== i)) {
    throw new Error(`transpose: [${p.join(', ')}] is not a permutation of the axes of ${formatShape(x.shape)}`);
  }
  if (p.every((v, i) => v === i)) return x;
  const shape = p.map((a) => x.shape[a]!);
  const out = execute('transpose', [x], shape, (be, [xi]) => be.transpose(xi!, p));
  const inverse = new Array<number>(p.length);
  p.forEach((a, i) => (inverse[a] = i));
  return record('transpose', [x], out, (dy) => [transpose(dy, inverse)]);
}

/** x[begin : begin + size] per axis; a size of −1 means "to the end". */
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  if (begin.length !== x.rank || (size && size.length !== x.rank)) {
    throw new Error(`slice: begin [${begin}] and size [${size ?? ''}] must have one entry per axis of ${formatShape(x.shape)}`);
  }
  const sz = x.shape.map((d, i) => {
    const s = size?.[i] ?? -1;
    return s === -1 ? d - begin[i]! : s;
  });
  x.shape.forEach((d, i) => {
    const b = begin[i]!;
    const s = sz[i]!;
    if (!Number.isInteger(b) || !Number.isInteger(s) || b < 0 || s < 0 || b + s > d) {
      throw new Error(`slice: begin [${begin}] size [${sz}] is out of bounds for ${formatShape(x.shape)} (axis ${i})`);
    }
  });
  const out = execute('slice', [x], sz, (be, [xi]) => be.slice(xi!, begin, sz));
  return record('slice', [x], out, (dy) => [
    pad(
      dy,
      x.shape.map((d, i) => [begin[i]!, d - begin[i]! - sz[i]!] as const),
    ),
  ]);
}

/** Constant padding; paddings[i] = [before, after]. */
export function pad(x: Tensor, paddings: readonly (readonly [number, number])[], value = 0): Tensor {
  if (paddings.length !== x.rank || paddings.some(([a, b]) => !Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0)) {
    throw new Error(`pad: paddings ${JSON.stringify(paddings)} must give [before, after] ≥ 0 for each axis of ${formatShape(x.shape)}`);
  }
  if (paddings.every(([a, b]) => a === 0 && b === 0)) return x;
  const shape = x.shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
  const out = execute('pad', [x], shape, (be, [xi]) => be.pad(xi!, paddings, value));
  return record('pad', [x], out, (dy) => [
    slice(
      dy,
      paddings.map(([a]) => a),
      x.shape,
    ),
  ]);
}

/** Joins tensors along `axis`; the other dimensions must agree. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new Error('concat: needs at least one tensor');
  const first = xs[0]!;
  const ax = normalizeAxis('concat', axis, first.rank);
  for (const t of xs) {
    if (t.rank !== first.rank || t.shape.some((d, i) => i !== ax && d !== first.shape[i])) {
      throw new Error(`concat: shapes ${xs.map((u) => formatShape(u.shape)).join(', ')} do not agree outside axis ${ax}`);
    }
  }
  if (xs.length === 1) return first;
  const shape = [...first.shape];
  shape[ax] = xs.reduce((n, t) => n + t.shape[ax]!, 0);
  const out = execute('concat', xs, shape, (be, infos) => be.concat(infos, ax));
  return record('concat', xs, out, (dy) => {
    let offset = 0;
    return xs.map((t) => {
      const begin = t.shape.map((_, i) => (i === ax ? offset : 0));
      offset += t.shape[ax]!;
      return slice(dy, begin, t.shape);
    });
  });
}

/** Splits x along `axis` into pieces of the given sizes. */
export function split(x: Tensor, sizes: readonly number[], axis = 0): Tensor[] {
  const ax = normalizeAxis('split', axis, x.rank);
  if (sizes.reduce((a, b) => a + b, 0) !== x.shape[ax]) {
    throw new Error(`split: sizes [${sizes}] do not add up to ${x.shape[ax]} (axis ${ax} of ${formatShape(x.shape)})`);
  }
  let offset = 0;
  return sizes.map((n) => {
    const begin = x.shape.map((_, i) => (i === ax ? offset : 0));
    const size = x.shape.map((d, i) => (i === ax ? n : d));
    offset += n;
    return slice(x, begin, size);
  });
}
