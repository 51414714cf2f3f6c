/**
 * Indirect implicit GEMM: out[p, c] = act(bias[c] + Σ_t Σ_k A_t,p[k] · B[t, k, c]), where A_t,p is
 * a row of K floats that an indirection table names by address (ind[p·T + t]). The forward pass
 * is this with p = an output pixel, t = a filter tap, A_t,p = the input pixel that tap reads (or a
 * row of zeros where it falls in the padding); the input gradient is this with p = an input
 * pixel, t = a tap, A_t,p = the dy pixel that tap came from (zeros where none did: padding, or a
 * stride that skips it) and B = the per-tap transposed filter. No im2col buffer: the table holds
 * one address per (pixel, tap), and any stride, dilation or padding is only a different table.
 *
 * Register blocking: ROWS pixels × VECS·4 columns of `out` stay in v128 accumulators while (t, k)
 * run; each k step loads VECS vectors of B once and reuses them for ROWS pixels (one
 * load32_splat each). B is read in place as T·K rows of N floats (row stride N·4 bytes): whole
 * column blocks load 64 contiguous bytes per row, so no packing pass is needed (packing the
 * filter in TypeScript cost as much as the 14×14 convolutions themselves). The columns past the
 * last whole block come from a small packed `tail` panel, T·K rows of the remainder rounded up to
 * a vector, zero padded. T, K, N, the block and the epilogue are baked in.
 *
 * Exports:
 *   igemm(ind, b, tail, bias, out, start, end)   items = blocks of ROWS pixels (the last may be
 *     ragged); `bias` is N floats padded to a multiple of 4 (ignored without bias).
 *     In batched mode (options.batches) `ind` is A itself; see IgemmOptions.batches.
 *   transposeTaps(src, dst, start, end)           dst[t, k, n] = src[t, n, k] for N×K taps
 *     (items = taps): the input gradient's B from the filter.
 */
import { ModuleBuilder, type FunctionBuilder, type Local } from '../module-builder.js';
import { i32Locals, params } from './direct.js';

export interface IgemmShape {
  /** Pixels (rows of out). */
  P: number;
  /** Taps. */
  T: number;
  /** Floats per A row (input channels). */
  K: number;
  /** Columns of out (output channels). */
  N: number;
}

export interface IgemmOptions {
  fma: boolean;
  bias: boolean;
  relu: boolean;
  rows: number;
  vecs: number;
  /** k steps per loop iteration (constant offsets instead of pointer updates). */
  unroll: number;
  /**
   * Batched mode (> 0): `batches` independent GEMMs with T = 1 and no table. `ind` is then A,
   * batches·P rows of K floats; B, the tail panel and out advance by one batch per batch, and an
   * item is a block of one batch (items = batches · ⌈P / ROWS⌉). Winograd's α² products.
   */
  batches?: number;
}

export const DEFAULT_BLOCK = { rows: 4, vecs: 4, unroll: 2 } as const;

/** Columns padded to whole vectors: the panels' and the bias's width. */
export function paddedColumns(N: number): number {
  return Math.ceil(N / 4) * 4;
}

/** Columns read from B in place (whole blocks of vecs·4). */
export function blockColumns(N: number, vecs: number): number {
  return Math.floor(N / (4 * vecs)) * 4 * vecs;
}

/** Floats of the tail panel: T·K rows of the columns past the whole blocks, padded to a vector. */
export function tailFloats(s: Pick<IgemmShape, 'T' | 'K' | 'N'>, vecs: number): number {
  return s.T * s.K * paddedColumns(s.N - blockColumns(s.N, vecs));
}

/** Packs the tail panel from B (T·K rows of N floats at `b`), zero padded. */
export function packTail(dst: Float32Array, b: Float32Array, s: Pick<IgemmShape, 'T' | 'K' | 'N'>, vecs: number): void {
  const c0 = blockColumns(s.N, vecs);
  const width = paddedColumns(s.N - c0);
  let o = 0;
  for (let row = 0; row < s.T * s.K; row++) {
    for (let c = 0; c < width; c++) dst[o++] = c0 + c < s.N ? b[row * s.N + c0 + c]! : 0;
  }
}

export function igemmModule(s: IgemmShape, o: IgemmOptions, shared: boolean): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder();
  m.importMemory({ module: 'env', name: 'memory', initial: 1, ...(shared ? { maximum: 65536, shared: true } : {}) });
  m.addFunction(['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => emitIgemm(f, s, o), 'igemm');
  m.addFunction(['i32', 'i32', 'i32', 'i32'], [], (f) => emitTranspose(f, s), 'transposeTaps');
  return m.build();
}

function emitIgemm(f: FunctionBuilder, s: IgemmShape, o: IgemmOptions): void {
  const { P, T, K, N } = s;
  const { rows: ROWS, vecs: VECS, fma } = o;
  const U = Math.max(1, Math.min(o.unroll, K));
  const [ind, bArg, tailArg, bias, outArg, start, end] = params(f, 7);
  const [blk, p0, p, t, c0, pw, pi, kk, b, tail, out, batch] = i32Locals(f, 12);
  const batched = (o.batches ?? 0) > 0;
  if (batched && T !== 1) throw new Error(`igemm: batched mode takes T = 1, not ${T}`);
  const blocksPerBatch = Math.ceil(P / ROWS);
  const tailWidth = paddedColumns(N - blockColumns(N, VECS));
  const ptr = Array.from({ length: ROWS }, () => f.local('i32'));
  const acc = Array.from({ length: ROWS * VECS }, () => f.local('v128'));
  const bv = Array.from({ length: VECS }, () => f.local('v128'));
  const sv = f.local('v128');
  const zero = [0, 0, 0, 0] as const;

  const madd = (a: Local<'v128'>, b: Local<'v128'>, into: Local<'v128'>): void => {
    if (fma) f.get(a).get(b).get(into).f32x4RelaxedMadd().set(into);
    else f.get(into).get(a).get(b).f32x4Mul().f32x4Add().set(into);
  };

  /** One k step (or U of them) at constant offsets u: panel row u, A float u. */
  const kSteps = (rows: number, vecs: number, steps: number, rowBytes: number): void => {
    for (let u = 0; u < steps; u++) {
      for (let v = 0; v < vecs; v++) f.get(pw).v128Load({ offset: rowBytes * u + 16 * v, align: 2 }).set(bv[v]!);
      for (let r = 0; r < rows; r++) {
        f.get(ptr[r]!).v128Load32Splat({ offset: 4 * u }).set(sv);
        for (let v = 0; v < vecs; v++) madd(sv, bv[v]!, acc[r * vecs + v]!);
      }
    }
    for (let r = 0; r < rows; r++) f.get(ptr[r]!).i32Const(4 * steps).i32Add().set(ptr[r]!);
    f.get(pw).i32Const(rowBytes * steps).i32Add().set(pw);
  };

  /**
   * Columns [c0, c0 + 4·vecs) of pixels p .. p + rows: accumulate over (t, k), then bias, ReLU
   * and the store; `lastLanes` (1–4) of the last vector are real columns.
   */
  const block = (rows: number, vecs: number, lastLanes: number, fromTail: boolean): void => {
    const rowBytes = fromTail ? vecs * 16 : N * 4;
    if (fromTail) f.get(tail).set(pw);
    else f.get(b).get(c0).i32Const(4).i32Mul().i32Add().set(pw);
    for (let r = 0; r < rows; r++) {
      for (let v = 0; v < vecs; v++) {
        if (o.bias) f.get(bias).get(c0).i32Const(4).i32Mul().i32Add().v128Load({ offset: 16 * v, align: 2 }).set(acc[r * vecs + v]!);
        else f.f32x4Const(zero).set(acc[r * vecs + v]!);
      }
    }
    // pi = &ind[p·T]; each tap reads ind[(p + r)·T + t]. Batched: rows of A directly.
    if (batched) f.get(ind).get(batch).i32Const(P).i32Mul().get(p).i32Add().i32Const(K * 4).i32Mul().i32Add().set(pi);
    else f.get(ind).get(p).i32Const(T * 4).i32Mul().i32Add().set(pi);
    f.i32Const(0).set(t);
    f.forRange(t, T, 1, () => {
      for (let r = 0; r < rows; r++) {
        if (batched) f.get(pi).i32Const(r * K * 4).i32Add().set(ptr[r]!);
        else f.get(pi).i32Load({ offset: r * T * 4 }).set(ptr[r]!);
      }
      f.i32Const(0).set(kk);
      f.forRange(kk, K, U, () => kSteps(rows, vecs, U, rowBytes), U);
      const rest = K % U;
      if (rest > 0) kSteps(rows, vecs, rest, rowBytes);
      f.get(pi).i32Const(4).i32Add().set(pi);
    });
    for (let r = 0; r < rows; r++) {
      for (let v = 0; v < vecs; v++) {
        const a = acc[r * vecs + v]!;
        if (o.relu) f.get(a).f32x4Const(zero).f32x4Max().set(a);
        const lanes = v === vecs - 1 ? lastLanes : 4;
        const address = (): void => {
          f.get(out).get(p).i32Const(r).i32Add().i32Const(N * 4).i32Mul().i32Add().get(c0).i32Const(4).i32Mul().i32Add();
        };
        if (lanes === 4) {
          address();
          f.get(a).v128Store({ offset: 16 * v, align: 2 });
        } else {
          for (let l = 0; l < lanes; l++) {
            address();
            f.get(a).f32x4ExtractLane(l).f32Store({ offset: 16 * v + 4 * l });
          }
        }
      }
    }
  };

  /** All columns of pixels p .. p + rows: whole blocks, then the ragged remainder as one block. */
  const columns = (rows: number): void => {
    const full = Math.floor(N / (4 * VECS));
    f.i32Const(0).set(c0);
    if (full > 0) {
      f.forRange(c0, full * 4 * VECS, 4 * VECS, () => {
        block(rows, VECS, 4, false);
      });
    }
    const rem = N - full * 4 * VECS;
    if (rem > 0) {
      f.i32Const(full * 4 * VECS).set(c0);
      block(rows, Math.ceil(rem / 4), rem % 4 === 0 ? 4 : rem % 4, true);
    }
  };

  f.get(start).set(blk);
  f.forRange(blk, end, 1, () => {
    f.get(bArg).set(b);
    f.get(tailArg).set(tail);
    f.get(outArg).set(out);
    f.get(blk).set(p0);
    if (batched) {
      // Item → (batch, block of that batch); B, tail and out move to the batch's own.
      f.get(blk).i32Const(blocksPerBatch).i32DivU().set(batch);
      f.get(blk).get(batch).i32Const(blocksPerBatch).i32Mul().i32Sub().set(p0);
      f.get(b).get(batch).i32Const(K * N * 4).i32Mul().i32Add().set(b);
      f.get(tail).get(batch).i32Const(K * tailWidth * 4).i32Mul().i32Add().set(tail);
      f.get(out).get(batch).i32Const(P * N * 4).i32Mul().i32Add().set(out);
    }
    f.get(p0).i32Const(ROWS).i32Mul().tee(p0).set(p);
    f.get(p0).i32Const(ROWS).i32Add().i32Const(P).i32LeS().if(
      () => columns(ROWS),
      () => {
        // The ragged last block: one pixel at a time.
        f.forRange(p, P, 1, () => {
          columns(1);
        });
      },
    );
  });
}

/** dst[t, k, n] = src[t, n, k]: src walked contiguously, dst written down its columns. */
function emitTranspose(f: FunctionBuilder, s: IgemmShape): void {
  const { K, N } = s;
  const [src, dst, start, end] = params(f, 4);
  const [t, k, n, ps, pd] = i32Locals(f, 5);
  f.get(start).set(t);
  f.forRange(t, end, 1, () => {
    f.get(src).get(t).i32Const(K * N * 4).i32Mul().i32Add().set(ps);
    f.i32Const(0).set(n);
    f.forRange(n, N, 1, () => {
      f.get(dst).get(t).i32Const(K * N).i32Mul().get(n).i32Add().i32Const(4).i32Mul().i32Add().set(pd);
      f.i32Const(0).set(k);
      f.forRange(k, K, 1, () => {
        f.get(pd).get(ps).f32Load().f32Store();
        f.get(ps).i32Const(4).i32Add().set(ps);
        f.get(pd).i32Const(N * 4).i32Add().set(pd);
      });
    });
  });
}
