/**
 * Elementwise kernels: unary maps, broadcasting binary ops, `where` and `cast`. Each op has its
 * own small loop over one run of the strided walk (strided-runs.ts), so the op is chosen once
 * per run rather than once per element and every loop stays monomorphic in its arithmetic.
 * Values are computed in double precision and rounded once when stored.
 */
import type { BinaryOp, UnaryOp } from '../backend.js';
import type { DType, TypedArray } from '../../tensor/dtype.js';
import { sizeOf, type Shape } from '../../tensor/shape.js';
import { alloc, type HostArray } from './cpu-storage.js';
import { broadcastStrides, contiguousStrides, forEachRun } from './strided-runs.js';

type UnaryLoop = (out: TypedArray, x: TypedArray, n: number) => void;

const UNARY: Record<UnaryOp, UnaryLoop> = {
  neg: (o, x, n) => {
    for (let i = 0; i < n; i++) o[i] = -x[i]!;
  },
  exp: (o, x, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.exp(x[i]!);
  },
  log: (o, x, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.log(x[i]!);
  },
  sqrt: (o, x, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.sqrt(x[i]!);
  },
  abs: (o, x, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.abs(x[i]!);
  },
  // `v < 0 ? 0 : v` keeps NaN as NaN (a NaN activation should stay visible).
  relu: (o, x, n) => {
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      o[i] = v < 0 ? 0 : v;
    }
  },
  step: (o, x, n) => {
    for (let i = 0; i < n; i++) o[i] = x[i]! > 0 ? 1 : 0;
  },
  sign: (o, x, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.sign(x[i]!);
  },
};

/** `out`, when given, receives the result (another backend's view of its own memory). */
export function unary(op: UnaryOp, x: TypedArray, dtype: DType, out: TypedArray = alloc(dtype, x.length)): TypedArray {
  const loop = UNARY[op];
  if (!loop) throw new Error(`cpu.unary: unknown op '${String(op)}'`);
  loop(out, x, x.length);
  return out;
}

/** out[o + i] = f(a[ia + i*sa], b[ib + i*sb]) for i < n. */
type BinaryLoop = (
  out: TypedArray, o: number, a: TypedArray, ia: number, sa: number, b: TypedArray, ib: number, sb: number, n: number,
) => void;

const BINARY: Record<BinaryOp, BinaryLoop> = {
  add: (out, o, a, ia, sa, b, ib, sb, n) => {
    for (let i = 0; i < n; i++, ia += sa, ib += sb) out[o + i] = a[ia]! + b[ib]!;
  },
  sub: (out, o, a, ia, sa, b, ib, sb, n) => {
    for (let i = 0; i < n; i++, ia += sa, ib += sb) out[o + i] = a[ia]! - b[ib]!;
  },
  mul: (out, o, a, ia, sa, b, ib, sb, n) => {
    for (let i = 0; i < n; i++, ia += sa, ib += sb) out[o + i] = a[ia]! * b[ib]!;
  },
  div: (out, o, a, ia, sa, b, ib, sb, n) => {
    for (let i = 0; i < n; i++, ia += sa, ib += sb) out[o + i] = a[ia]! / b[ib]!;
  },
  pow: (out, o, a, ia, sa, b, ib, sb, n) => {
    for (let i = 0; i < n; i++, ia += sa, ib += sb) out[o + i] = a[ia]! ** b[ib]!;
  },
  maximum: (out, o, a, ia, sa, b, ib, sb, n) => {
    for (let i = 0; i < n; i++, ia += sa, ib += sb) out[o + i] = Math.max(a[ia]!, b[ib]!);
  },
  minimum: (out, o, a, ia, sa, b, ib, sb, n) => {
    for (let i = 0; i < n; i++, ia += sa, ib += sb) out[o + i] = Math.min(a[ia]!, b[ib]!);
  },
  greater: (out, o, a, ia, sa, b, ib, sb, n) => {
    for (let i = 0; i < n; i++, ia += sa, ib += sb) out[o + i] = a[ia]! > b[ib]! ? 1 : 0;
  },
  greaterEqual: (out, o, a, ia, sa, b, ib, sb, n) => {
    for (let i = 0; i < n; i++, ia += sa, ib += sb) out[o + i] = a[ia]! >= b[ib]! ? 1 : 0;
  },
  equal: (out, o, a, ia, sa, b, ib, sb, n) => {
    for (let i = 0; i < n; i++, ia += sa, ib += sb) out[o + i] = a[ia]! === b[ib]! ? 1 : 0;
  },
};

export function binary(
  op: BinaryOp, a: HostArray, b: HostArray, outShape: Shape, dtype: DType, out: TypedArray = alloc(dtype, sizeOf(outShape)),
): TypedArray {
  const loop = BINARY[op];
  if (!loop) throw new Error(`cpu.binary: unknown op '${String(op)}'`);
  forEachRun(
    outShape,
    [contiguousStrides(outShape), broadcastStrides(a.shape, outShape), broadcastStrides(b.shape, outShape)],
    [0, 0, 0],
    (off, st, n) => loop(out, off[0]!, a.data, off[1]!, st[1]!, b.data, off[2]!, st[2]!, n),
  );
  return out;
}

/** Broadcasting select: cond != 0 ? a : b (a NaN condition counts as true, being != 0). */
export function where(
  cond: HostArray, a: HostArray, b: HostArray, outShape: Shape, dtype: DType, out: TypedArray = alloc(dtype, sizeOf(outShape)),
): TypedArray {
  const [c, av, bv] = [cond.data, a.data, b.data];
  forEachRun(
    outShape,
    [
      contiguousStrides(outShape),
      broadcastStrides(cond.shape, outShape),
      broadcastStrides(a.shape, outShape),
      broadcastStrides(b.shape, outShape),
    ],
    [0, 0, 0, 0],
    (off, st, n) => {
      const o = off[0]!;
      const sc = st[1]!;
      const sa = st[2]!;
      const sb = st[3]!;
      let ic = off[1]!;
      let ia = off[2]!;
      let ib = off[3]!;
      for (let i = 0; i < n; i++, ic += sc, ia += sa, ib += sb) out[o + i] = c[ic] !== 0 ? av[ia]! : bv[ib]!;
    },
  );
  return out;
}

/** Converts between float32 and float64 (float64 → float32 rounds to nearest). */
export function cast(x: TypedArray, dtype: DType, out: TypedArray = alloc(dtype, x.length)): TypedArray {
  out.set(x);
  return out;
}
