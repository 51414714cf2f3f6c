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
 * load32_splat each). B is read from packed panels: the panel of the whole column block
 * [c0, c0 + 4·VECS) is T·K rows of 4·VECS floats starting at T·K·c0 floats, so the k loop
 * streams 64 contiguous bytes per row. Reading B in place instead (row stride N·4 bytes) ran at
 * half the speed at N = 512: a 2 KiB stride maps every row to the same few cache sets. The
 * `packPanels` export packs in WebAssembly (TypeScript packing cost as much as a 14×14
 * convolution). The columns past the last whole block come from a small `tail` panel, T·K rows
 * of the remainder rounded up to a vector, zero padded, packed by packTail. T, K, N, the block
 * and the epilogue are baked in.
 *
 * Exports:
 *   igemm(ind, b, tail, bias, out, start, end)   items = blocks of ROWS pixels (the last may be
 *     ragged); `bias` is N floats padded to a multiple of 4 (ignored without bias).
 *     In batched mode (options.batches) `ind` is A itself; see IgemmOptions.batches.
 *   packPanels(src, dst, start, end)              the whole-block panels of B (T·K rows of N floats
 *     at src); items = column blocks.
 *   transposeTaps(src, dst, start, end)           dst[t, k, n] = src[t, n, k] for N×K taps
 *     (items = taps): the input gradient's B from the filter.
 */
import { memoryImport } from '../memory-import.js';
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
  /** Bytes from one batch's A, B and out to the next (default: dense). */
  strides?: { a: number; b: number; out: number };
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
  m.importMemory(memoryImport(shared));
  m.addFunction(['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => emitIgemm(f, s, o), 'igemm');
  m.addFunction(['i32', 'i32', 'i32', 'i32'], [], (f) => emitTranspose(f, s), 'transposeTaps');
  m.addFunction(['i32', 'i32', 'i32', 'i32'], [], (f) => emitPack(f, s, o.vecs), 'packPanels');
  return m.build();
}

function emitIgemm(f: FunctionBuilder, s: IgemmShape, o: IgemmOptions): void {
  const { P, T, K, N } = s;
  const { rows: ROWS, vecs: VECS, fma } = o;
  const U = Math.max(1, Math.min(o.unroll, K));
  const [ind, bArg, tailArg, bias, outArg, start, end] = params(f, 7);
  const [blk, p0, p, t, c0, pw, pi, kk, b, tail, out, batch, chunk, chunkEnd] = i32Locals(f, 14);
  const batched = (o.batches ?? 0) > 0;
  if (batched && T !== 1) throw new Error(`igemm: batched mode takes T = 1, not ${T}`);
  const blocksPerBatch = Math.ceil(P / ROWS);
  const tailWidth = paddedColumns(N - blockColumns(N, VECS));
  const strideA = o.strides?.a ?? P * K * 4;
  const strideB = o.strides?.b ?? K * N * 4;
  const strideOut = o.strides?.out ?? P * N * 4;
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
    // Packed: the block's panel, T·K rows of vecs·4 floats, starts at T·K·c0 floats.
    const rowBytes = fromTail ? vecs * 16 : 16 * VECS;
    if (fromTail) f.get(tail).set(pw);
    else f.get(b).get(c0).i32Const(T * K * 4).i32Mul().i32Add().set(pw);
    for (let r = 0; r < rows; r++) {
      for (let v = 0; v < vecs; v++) {
        if (o.bias) f.get(bias).get(c0).i32Const(4).i32Mul().i32Add().v128Load({ offset: 16 * v, align: 2 }).set(acc[r * vecs + v]!);
        else f.f32x4Const(zero).set(acc[r * vecs + v]!);
      }
    }
    // pi = &ind[p·T]; each tap reads ind[(p + r)·T + t]. Batched: rows of A directly.
    if (batched) f.get(ind).get(batch).i32Const(strideA).i32Mul().i32Add().get(p).i32Const(K * 4).i32Mul().i32Add().set(pi);
    else f.get(ind).get(p).i32Const(T * 4).i32Mul().i32Add().set(pi);
    // Fully unrolling the (t, k) loops for the 3-channel first layer (27 steps) ran at half the
    // speed under V8 (one 27-step block of 16 accumulators); the loops stay.
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

  /** The items [chunk, chunkEnd): each block of ROWS pixels (the ragged last one pixel by pixel) through `body`. */
  const pixelBlocks = (body: (rows: number) => void): void => {
    f.get(chunk).set(blk);
    f.forRange(blk, chunkEnd, 1, () => {
      f.get(bArg).set(b);
      f.get(tailArg).set(tail);
      f.get(outArg).set(out);
      f.get(blk).set(p0);
      if (batched) {
        // Item → (batch, block of that batch); B, tail and out move to the batch's own.
        f.get(blk).i32Const(blocksPerBatch).i32DivU().set(batch);
        f.get(blk).get(batch).i32Const(blocksPerBatch).i32Mul().i32Sub().set(p0);
        f.get(b).get(batch).i32Const(strideB).i32Mul().i32Add().set(b);
        f.get(tail).get(batch).i32Const(K * tailWidth * 4).i32Mul().i32Add().set(tail);
        f.get(out).get(batch).i32Const(strideOut).i32Mul().i32Add().set(out);
      }
      f.get(p0).i32Const(ROWS).i32Mul().tee(p0).set(p);
      f.get(p0).i32Const(ROWS).i32Add().i32Const(P).i32LeS().if(
        () => body(ROWS),
        () => f.forRange(p, P, 1, () => body(1)),
      );
    });
  };

  // Chunks of CHUNK items; within a chunk, column blocks outermost, so one column block's panel
  // (T·K·64 bytes) serves the whole chunk from cache, and the chunk's A rows (about
  // CHUNK·ROWS·K·4 bytes, ~256 KiB) serve every column block. Pixel blocks outermost instead
  // re-read all of B (9.4 MB at 512 channels) for every 4 pixels: memory-bound at 14×14.
  const full = Math.floor(N / (4 * VECS));
  const rem = N - full * 4 * VECS;
  const CHUNK = Math.max(1, Math.floor(65536 / (ROWS * K)));
  f.get(start).set(chunk);
  f.forRange(chunk, end, CHUNK, () => {
    f.get(chunk).i32Const(CHUNK).i32Add().tee(chunkEnd).get(end).i32GtS().if(() => f.get(end).set(chunkEnd));
    if (full > 0) {
      f.i32Const(0).set(c0);
      f.forRange(c0, full * 4 * VECS, 4 * VECS, () => pixelBlocks((rows) => block(rows, VECS, 4, false)));
    }
    if (rem > 0) {
      f.i32Const(full * 4 * VECS).set(c0);
      pixelBlocks((rows) => block(rows, Math.ceil(rem / 4), rem % 4 === 0 ? 4 : rem % 4, true));
    }
  });
}

/** Floats of the whole-block panels. */
export function panelFloats(s: Pick<IgemmShape, 'T' | 'K' | 'N'>, vecs: number): number {
  return s.T * s.K * blockColumns(s.N, vecs);
}

/** Block cb's panel: for each of the T·K rows, its VECS vectors copied to 16·VECS contiguous bytes. */
function emitPack(f: FunctionBuilder, s: IgemmShape, vecs: number): void {
  const { T, K, N } = s;
  const [src, dst, start, end] = params(f, 4);
  const [cb, row, ps, pd] = i32Locals(f, 4);
  f.get(start).set(cb);
  f.forRange(cb, end, 1, () => {
    f.get(src).get(cb).i32Const(16 * vecs).i32Mul().i32Add().set(ps);
    f.get(dst).get(cb).i32Const(T * K * 16 * vecs).i32Mul().i32Add().set(pd);
    f.i32Const(0).set(row);
    f.forRange(row, T * K, 1, () => {
      for (let v = 0; v < vecs; v++) f.get(pd).get(ps).v128Load({ offset: 16 * v, align: 2 }).v128Store({ offset: 16 * v, align: 2 });
      f.get(ps).i32Const(N * 4).i32Add().set(ps);
      f.get(pd).i32Const(16 * vecs).i32Add().set(pd);
    });
  });
}

/**
 * dst[t, k, n] = src[t, n, k], in strips of 16 n: for each k, 16 source rows are read at column k
 * and 64 contiguous bytes written. (Column by column, the writes ran 2 KiB apart at 512 channels
 * and every one missed: 14 ms for a 3×3×512×512 filter.)
 */
function emitTranspose(f: FunctionBuilder, s: IgemmShape): void {
  const { K, N } = s;
  const STRIP = 16;
  const [src, dst, start, end] = params(f, 4);
  const [t, k, n0, ps, pd] = i32Locals(f, 5);
  const strip = (width: number): void => {
    // ps = &src[t, n0, 0], pd = &dst[t, 0, n0]
    f.get(src).get(t).i32Const(K * N).i32Mul().get(n0).i32Const(K).i32Mul().i32Add().i32Const(4).i32Mul().i32Add().set(ps);
    f.get(dst).get(t).i32Const(K * N).i32Mul().get(n0).i32Add().i32Const(4).i32Mul().i32Add().set(pd);
    f.i32Const(0).set(k);
    f.forRange(k, K, 1, () => {
      for (let j = 0; j < width; j++) f.get(pd).get(ps).f32Load({ offset: j * K * 4 }).f32Store({ offset: j * 4 });
      f.get(ps).i32Const(4).i32Add().set(ps);
      f.get(pd).i32Const(N * 4).i32Add().set(pd);
    });
  };
  const whole = Math.floor(N / STRIP) * STRIP;
  f.get(start).set(t);
  f.forRange(t, end, 1, () => {
    f.i32Const(0).set(n0);
    if (whole > 0) f.forRange(n0, whole, STRIP, () => strip(STRIP));
    if (N > whole) {
      f.i32Const(whole).set(n0);
      strip(N - whole);
    }
  });
}
