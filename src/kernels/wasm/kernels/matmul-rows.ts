/**
 * C[M,N] = A[M,K]·B[K,N] for a few rows of A (a dense layer at batch 1 to 4): the product is
 * limited by reading B once, so B must stream in memory order. The register-blocked kernel
 * (matmul.ts) walks B down its columns, one 16-column strip at a time, which for VGG19's fc1
 * (25,088 rows of 16 KB) touches a new page on every step and runs far below the memory's speed.
 * Here each row of C accumulates rows of B scaled by one element of A, four rows of B at a time:
 *   C[r, j..] += A[r,k]·B[k, j..] + A[r,k+1]·B[k+1, j..] + A[r,k+2]·B[k+2, j..] + A[r,k+3]·B[k+3, j..]
 * over a strip of COLS columns, k outermost and the rows of A innermost, so the strip of every
 * row of C stays in L1 while four streams of B run through it once; then the next strip. f32x4 with relaxed FMA or mul+add, a scalar loop for the last
 * N mod 4 columns of a chunk, and a k loop of one row for the last K mod 4 rows.
 *
 * Partition: a work item is one column of C (for every row); `matmulRows(a, b, c, M, K, N,
 * start, end)` computes columns [start, end). Chunks write disjoint columns.
 */
import { ModuleBuilder, type FunctionBuilder, type Local } from '../module-builder.js';
import { memoryImportFor, memoryKind } from '../memory-import.js';
import { cachedModule } from '../module-cache.js';

/** Columns per strip: 1 KiB of each of C's rows and of the four rows of B in flight. */
const COLS = 256;

type I32 = Local<'i32'>;

export function matmulRowsModule(fma: boolean, memory: WebAssembly.Memory): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder().importMemory(memoryImportFor(memory));
  m.addFunction(['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => emit(f, fma), 'matmulRows');
  return m.build();
}

function emit(f: FunctionBuilder, fma: boolean): void {
  const [a, b, c, M, K, N, start, end] = Array.from({ length: 8 }, (_, i) => f.param(i, 'i32')) as I32[] as [I32, I32, I32, I32, I32, I32, I32, I32];
  const j0 = f.local('i32'); // first column of the strip
  const j1 = f.local('i32'); // one past its last column
  const jv = f.local('i32'); // one past its last whole vector
  const j = f.local('i32');
  const r = f.local('i32');
  const k = f.local('i32');
  const k4 = f.local('i32'); // K rounded down to a multiple of 4
  const rowBytes = f.local('i32'); // N·4: one row of B or C
  const aRow = f.local('i32'); // &A[r, 0]
  const cRow = f.local('i32'); // &C[r, 0]
  const bk = f.local('i32'); // &B[k, 0]
  const s = Array.from({ length: 4 }, () => f.local('v128'));
  const sf = Array.from({ length: 4 }, () => f.local('f32'));
  const acc = f.local('v128');
  const accf = f.local('f32');

  f.get(N).i32Const(2).i32Shl().set(rowBytes);
  f.get(K).i32Const(-4).i32And().set(k4);

  /** Pushes &X[row, j] for a row base address local and the column local j. */
  const at = (base: I32): void => void f.get(base).get(j).i32Const(2).i32Shl().i32Add();

  /** One pass of `taps` rows of B (k.. k+taps−1) into row r of C over the strip. */
  const pass = (taps: number): void => {
    for (let t = 0; t < taps; t++) {
      f.get(aRow).get(k).i32Const(2).i32Shl().i32Add().f32Load({ offset: 4 * t }).tee(sf[t]!).f32x4Splat().set(s[t]!);
    }
    f.get(j0).set(j);
    f.forRange(j, jv, 4, () => {
      at(cRow);
      at(cRow);
      f.v128Load({ align: 2 }).set(acc);
      for (let t = 0; t < taps; t++) {
        // &B[k + t, j]
        const bAt = (): void => {
          at(bk);
          if (t > 0) f.get(rowBytes).i32Const(t).i32Mul().i32Add();
          f.v128Load({ align: 2 });
        };
        if (fma) {
          bAt();
          f.get(s[t]!).get(acc).f32x4RelaxedMadd().set(acc);
        } else {
          f.get(acc);
          bAt();
          f.get(s[t]!).f32x4Mul().f32x4Add().set(acc);
        }
      }
      f.get(acc).v128Store({ align: 2 });
    });
    f.forRange(j, j1, 1, () => {
      at(cRow);
      at(cRow);
      f.f32Load().set(accf);
      for (let t = 0; t < taps; t++) {
        f.get(accf);
        at(bk);
        if (t > 0) f.get(rowBytes).i32Const(t).i32Mul().i32Add();
        f.f32Load().get(sf[t]!).f32Mul().f32Add().set(accf);
      }
      f.get(accf).f32Store();
    });
  };

  f.get(start).set(j0);
  f.forRange(j0, end, COLS, () => {
    // j1 = min(j0 + COLS, end); jv = j0 + ⌊(j1 − j0)/4⌋·4
    f.get(j0).i32Const(COLS).i32Add().set(j1);
    f.get(j1).get(end).i32GtS().if(() => void f.get(end).set(j1));
    f.get(j1).get(j0).i32Sub().i32Const(-4).i32And().get(j0).i32Add().set(jv);
    /** body() for each row r of A and C, with aRow and cRow pointing at them. */
    const eachRow = (body: () => void): void => {
      f.i32Const(0).set(r);
      f.forRange(r, M, 1, () => {
        f.get(a).get(r).get(K).i32Mul().i32Const(2).i32Shl().i32Add().set(aRow);
        f.get(c).get(r).get(rowBytes).i32Mul().i32Add().set(cRow);
        body();
      });
    };
    // Zero the strip of every row of C.
    eachRow(() => {
      f.get(j0).set(j);
      f.forRange(j, j1, 1, () => {
        at(cRow);
        f.f32Const(0).f32Store();
      });
    });
    // k outermost: each row of B streams from memory once, and serves every row of A from L1.
    f.get(b).set(bk);
    f.i32Const(0).set(k);
    f.forRange(k, k4, 4, () => {
      eachRow(() => pass(4));
      f.get(bk).get(rowBytes).i32Const(4).i32Mul().i32Add().set(bk);
    });
    f.forRange(k, K, 1, () => {
      eachRow(() => pass(1));
      f.get(bk).get(rowBytes).i32Add().set(bk);
    });
  });
}

/** The compiled module, once per process per FMA choice and memory kind. */
export function matmulRowsKernelModule(fma: boolean, memory: WebAssembly.Memory): WebAssembly.Module {
  return cachedModule(`matmul-rows:${fma ? 'fma' : 'muladd'}:${memoryKind(memory)}`, () => matmulRowsModule(fma, memory));
}
