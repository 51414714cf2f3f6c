/**
 * The filter gradient as an implicit GEMM over the forward pass's indirection table:
 *   dw[t, ci, co] = Σ_p x_t,p[ci] · dy[p, co],
 * p over every output pixel (batch included), x_t,p the input row tap t reads for pixel p (a row
 * of zeros in the padding), as ind[p·T + t] names it (indirection.ts's forwardTable). No im2col.
 *
 * Register blocking: ROWS input channels × VECS·4 output channels of dw stay in v128 accumulators
 * while p runs; each p step loads the row address once, splats ROWS floats of x and loads VECS
 * vectors of dy. Pixels run in chunks of PC (dy's chunk, PC·Cout·4 bytes, about 256 KiB, stays in
 * cache while every item of the call passes over it); the accumulators start at zero on the first
 * chunk and from dw after it. Columns past the whole blocks run as whole vectors, then the last
 * Cout mod 4 as scalars (dy is not padded, so no vector may read past a row's end).
 *
 * Export: filterGrad(ind, dy, dw, start, end), items = (tap, block of ROWS input channels), the
 * last block of each tap ragged when Cin mod ROWS ≠ 0.
 */
import { memoryImport } from '../memory-import.js';
import { ModuleBuilder, type FunctionBuilder, type Local } from '../module-builder.js';
import { i32Locals, params } from './direct.js';

export interface FilterGradShape {
  /** Output pixels (batch · outH · outW). */
  P: number;
  T: number;
  Cin: number;
  Cout: number;
}

export const FILTER_GRAD_BLOCK = { rows: 4, vecs: 4 } as const;

export function filterGradItems(s: FilterGradShape, rows: number = FILTER_GRAD_BLOCK.rows): number {
  return s.T * Math.ceil(s.Cin / rows);
}

export function filterGradModule(s: FilterGradShape, fma: boolean, shared: boolean): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder();
  m.importMemory(memoryImport(shared));
  m.addFunction(['i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => emitFilterGrad(f, s, fma), 'filterGrad');
  return m.build();
}

function emitFilterGrad(f: FunctionBuilder, s: FilterGradShape, fma: boolean): void {
  const { P, T, Cin, Cout } = s;
  const { rows: ROWS, vecs: VECS } = FILTER_GRAD_BLOCK;
  const blocksPerTap = Math.ceil(Cin / ROWS);
  const PC = Math.max(16, Math.floor(65536 / Cout));
  const [ind, dy, dw, start, end] = params(f, 5);
  const [chunk, chunkEnd, item, t, ci0, ci, c0, p, pi, pd, xp, pdw] = i32Locals(f, 12);
  const acc = Array.from({ length: ROWS * VECS }, () => f.local('v128'));
  const bv = Array.from({ length: VECS }, () => f.local('v128'));
  const sv = f.local('v128');
  const accS = Array.from({ length: ROWS }, () => f.local('f32'));

  const madd = (a: Local<'v128'>, b: Local<'v128'>, into: Local<'v128'>): void => {
    if (fma) f.get(a).get(b).get(into).f32x4RelaxedMadd().set(into);
    else f.get(into).get(a).get(b).f32x4Mul().f32x4Add().set(into);
  };

  /** The p loop over [chunk, chunkEnd): pi walks ind[p·T + t], pd walks dy[p, c0]. */
  const pixels = (body: () => void): void => {
    f.get(ind).get(chunk).i32Const(T).i32Mul().get(t).i32Add().i32Const(4).i32Mul().i32Add().set(pi);
    f.get(dy).get(chunk).i32Const(Cout).i32Mul().get(c0).i32Add().i32Const(4).i32Mul().i32Add().set(pd);
    f.get(chunk).set(p);
    f.forRange(p, chunkEnd, 1, () => {
      f.get(pi).i32Load().get(ci0).i32Const(4).i32Mul().i32Add().set(xp);
      body();
      f.get(pi).i32Const(T * 4).i32Add().set(pi);
      f.get(pd).i32Const(Cout * 4).i32Add().set(pd);
    });
  };

  /** pdw = &dw[t, ci0, c0]; row r of the block is r·Cout floats further. */
  const dwAddress = (): void => {
    f.get(t).i32Const(Cin).i32Mul().get(ci0).i32Add().i32Const(Cout).i32Mul().get(c0).i32Add().i32Const(4).i32Mul().get(dw).i32Add().set(pdw);
  };

  /** Columns [c0, c0 + 4·vecs) of input channels ci0 .. ci0 + rows. */
  const vectorBlock = (rows: number, vecs: number): void => {
    dwAddress();
    // Zero on the first chunk, else continue from what earlier chunks stored.
    f.get(chunk).i32Eqz().if(
      () => { for (let q = 0; q < rows * vecs; q++) f.f32x4Const([0, 0, 0, 0]).set(acc[q]!); },
      () => {
        for (let r = 0; r < rows; r++) for (let v = 0; v < vecs; v++) f.get(pdw).v128Load({ offset: (r * Cout * 4) + 16 * v, align: 2 }).set(acc[r * vecs + v]!);
      },
    );
    pixels(() => {
      for (let v = 0; v < vecs; v++) f.get(pd).v128Load({ offset: 16 * v, align: 2 }).set(bv[v]!);
      for (let r = 0; r < rows; r++) {
        f.get(xp).v128Load32Splat({ offset: 4 * r }).set(sv);
        for (let v = 0; v < vecs; v++) madd(sv, bv[v]!, acc[r * vecs + v]!);
      }
    });
    for (let r = 0; r < rows; r++) for (let v = 0; v < vecs; v++) f.get(pdw).get(acc[r * vecs + v]!).v128Store({ offset: (r * Cout * 4) + 16 * v, align: 2 });
  };

  /** One column c0 in scalar f32 (the last Cout mod 4). */
  const scalarColumn = (rows: number): void => {
    dwAddress();
    f.get(chunk).i32Eqz().if(
      () => { for (let r = 0; r < rows; r++) f.f32Const(0).set(accS[r]!); },
      () => { for (let r = 0; r < rows; r++) f.get(pdw).f32Load({ offset: r * Cout * 4 }).set(accS[r]!); },
    );
    pixels(() => {
      for (let r = 0; r < rows; r++) f.get(accS[r]!).get(xp).f32Load({ offset: 4 * r }).get(pd).f32Load().f32Mul().f32Add().set(accS[r]!);
    });
    for (let r = 0; r < rows; r++) f.get(pdw).get(accS[r]!).f32Store({ offset: r * Cout * 4 });
  };

  const full = Math.floor(Cout / (4 * VECS)) * 4 * VECS;
  const vecTail = Math.floor((Cout - full) / 4);
  const columns = (rows: number): void => {
    f.i32Const(0).set(c0);
    if (full > 0) f.forRange(c0, full, 4 * VECS, () => vectorBlock(rows, VECS));
    if (vecTail > 0) {
      f.i32Const(full).set(c0);
      vectorBlock(rows, vecTail);
    }
    f.i32Const(full + 4 * vecTail).set(c0);
    f.forRange(c0, Cout, 1, () => scalarColumn(rows));
  };

  f.i32Const(0).set(chunk);
  f.forRange(chunk, P, PC, () => {
    f.get(chunk).i32Const(PC).i32Add().tee(chunkEnd).i32Const(P).i32GtS().if(() => f.i32Const(P).set(chunkEnd));
    f.get(start).set(item);
    f.forRange(item, end, 1, () => {
      f.get(item).i32Const(blocksPerTap).i32DivU().set(t);
      f.get(item).get(t).i32Const(blocksPerTap).i32Mul().i32Sub().i32Const(ROWS).i32Mul().set(ci0);
      f.get(ci0).i32Const(ROWS).i32Add().i32Const(Cin).i32LeS().if(
        () => columns(ROWS),
        () => {
          // The ragged last block of the tap: one input channel at a time.
          f.get(ci0).set(ci);
          f.forRange(ci, Cin, 1, () => {
            f.get(ci).set(ci0);
            columns(1);
          });
        },
      );
    });
  });
}
