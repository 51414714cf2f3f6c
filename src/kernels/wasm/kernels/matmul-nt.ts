/**
 * C[M,N] = A[M,K]·Bᵀ with B stored as [N, K] (row-major): every element of C is the dot product
 * of a row of A with a row of B, both contiguous. This is a dense layer's input gradient
 * (dy · Wᵀ): at batch 1 to a few rows, the product only has to stream W once, and transposing W
 * into scratch first (hundreds of MB for VGG19's fc1) would cost more than the product. Rows of A
 * are taken ROWS at a time so each vector of B serves ROWS rows; k runs four lanes at a time in
 * f32x4 accumulators (relaxed FMA or mul+add), summed across lanes at the end, then the K mod 4
 * tail in scalar f32.
 *
 * Partition: a work item is one row j of B, i.e. column j of C for every row of A;
 * `matmulNT(a, b, c, M, K, N, start, end)` computes columns [start, end). Columns are independent
 * (each writes its own elements of C), so a thread pool can split N.
 */
import { ModuleBuilder, type FunctionBuilder, type Local } from '../module-builder.js';
import { memoryImportFor, memoryKind } from '../memory-import.js';
import { cachedModule } from '../module-cache.js';

const ROWS = 4;

export function matmulNTModule(fma: boolean, memory: WebAssembly.Memory): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder().importMemory(memoryImportFor(memory));
  m.addFunction(['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => emit(f, fma), 'matmulNT');
  return m.build();
}

function emit(f: FunctionBuilder, fma: boolean): void {
  const [a, b, c, M, K, N, start, end] = Array.from({ length: 8 }, (_, i) => f.param(i, 'i32')) as Local<'i32'>[] as [
    Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>,
  ];
  const j = f.local('i32');
  const i = f.local('i32');
  const k = f.local('i32'); // byte offset along a row (4·k)
  const kVec = f.local('i32'); // bytes of whole vectors along K: 16·⌊K/4⌋
  const kBytes = f.local('i32');
  const rowB = f.local('i32'); // &B[j, 0]
  const rowA = f.local('i32'); // &A[i, 0]
  const bv = f.local('v128');
  const acc = Array.from({ length: ROWS }, () => f.local('v128'));
  const sum = Array.from({ length: ROWS }, () => f.local('f32'));
  const bs = f.local('f32');

  f.get(K).i32Const(2).i32Shl().set(kBytes);
  f.get(kBytes).i32Const(-16).i32And().set(kVec);
  f.get(start).set(j);
  f.forRange(j, end, 1, () => {
    f.get(b).get(j).get(kBytes).i32Mul().i32Add().set(rowB);
    f.i32Const(0).set(i);
    /** Rows i..i+rows−1 of A against row j of B, advancing i. */
    const rowBlock = (rows: number): void => {
      f.forRange(i, M, rows, () => {
        f.get(a).get(i).get(kBytes).i32Mul().i32Add().set(rowA);
        for (let r = 0; r < rows; r++) f.f32x4Const([0, 0, 0, 0]).set(acc[r]!);
        f.i32Const(0).set(k);
        f.forRange(k, kVec, 16, () => {
          f.get(rowB).get(k).i32Add().v128Load({ align: 2 }).set(bv);
          for (let r = 0; r < rows; r++) {
            // &A[i + r, k]
            const aAt = (): void => {
              f.get(rowA).get(k).i32Add();
              if (r > 0) f.get(kBytes).i32Const(r).i32Mul().i32Add();
            };
            if (fma) {
              aAt();
              f.v128Load({ align: 2 }).get(bv).get(acc[r]!).f32x4RelaxedMadd().set(acc[r]!);
            } else {
              f.get(acc[r]!);
              aAt();
              f.v128Load({ align: 2 }).get(bv).f32x4Mul().f32x4Add().set(acc[r]!);
            }
          }
        });
        for (let r = 0; r < rows; r++) {
          const v = acc[r]!;
          f.get(v).f32x4ExtractLane(0).get(v).f32x4ExtractLane(1).f32Add();
          f.get(v).f32x4ExtractLane(2).get(v).f32x4ExtractLane(3).f32Add().f32Add().set(sum[r]!);
        }
        // The K mod 4 tail, in scalar f32.
        f.forRange(k, kBytes, 4, () => {
          f.get(rowB).get(k).i32Add().f32Load().set(bs);
          for (let r = 0; r < rows; r++) {
            f.get(sum[r]!).get(rowA).get(k).i32Add();
            if (r > 0) f.get(kBytes).i32Const(r).i32Mul().i32Add();
            f.f32Load().get(bs).f32Mul().f32Add().set(sum[r]!);
          }
        });
        for (let r = 0; r < rows; r++) {
          // &C[i + r, j] = c + ((i + r)·N + j)·4
          f.get(c).get(i).i32Const(r).i32Add().get(N).i32Mul().get(j).i32Add().i32Const(2).i32Shl().i32Add();
          f.get(sum[r]!).f32Store();
        }
      }, rows);
    };
    rowBlock(ROWS);
    rowBlock(1);
  });
}

/** The compiled module, once per process per FMA choice and memory kind. */
export function matmulNTKernelModule(fma: boolean, memory: WebAssembly.Memory): WebAssembly.Module {
  return cachedModule(`matmul-nt:${fma ? 'fma' : 'muladd'}:${memoryKind(memory)}`, () => matmulNTModule(fma, memory));
}
