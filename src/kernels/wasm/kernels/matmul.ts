/**
 * C[M,N] = A[M,K]·B[K,N], float32, row-major, over an imported memory: the first real kernel
 * generated with the module builder. Addresses and sizes are run-time i32 arguments, so one
 * module serves every shape; what is specialised (and cached) is the code's shape class: the
 * register block and whether multiply-adds are relaxed-SIMD FMAs or f32x4.mul + f32x4.add.
 *
 * Blocking: a ROWS×(VECS·4) block of C stays in v128 registers while k runs over K; each step
 * loads VECS vectors of B's row k once and reuses them for ROWS rows of A (one splat each).
 * The default block, 2×16 (8 accumulators), was the fastest of 4×12, 4×16, 2×12, 2×16, 2×20,
 * 2×24, 3×8, 3×12, 3×16, 6×8 and 1×16 at 240³ on Zen 5 under Node 20 (33 GFLOP/s, one thread;
 * 4×12 ran at 23): with unpacked operands each row also needs its own A pointer, and larger
 * blocks spill. Remainders, outermost first: rows past the last whole ROWS run the same code with
 * one row; columns past the last whole block run 4-column (one vector) blocks, then a scalar loop
 * for the last N mod 4. K needs no remainder (k steps by 1).
 *
 * With FMA the sum rounds once per step instead of twice, so results differ from the mul+add
 * path in the last bits; both are float32 accumulations in the same order (k ascending).
 *
 * Partition (kernel-runner.ts): a work item is one row of C; `matmul(a, b, c, K, N, start, end)`
 * computes rows [start, end), so a thread pool can split M. Row blocks start at `start`, so the
 * rows a chunk computes do not depend on where the other chunks begin.
 */
import { ModuleBuilder, type FunctionBuilder, type Local } from '../module-builder.js';
import { isSharedMemory, memoryImport } from '../memory-import.js';
import { cachedModule } from '../module-cache.js';

const DEFAULT_ROWS = 2;
const DEFAULT_VECS = 4;

export interface MatmulKernelOptions {
  /** Use f32x4.relaxed_madd (only where `wasmFeatures().relaxedSimd`). */
  fma: boolean;
  /** Rows of the register block (default 2). */
  rows?: number;
  /** Vectors of 4 columns in the register block (default 4). */
  vecs?: number;
}

/**
 * Signature of the exported `matmul`: byte addresses of A, B, C in the memory (A and C at row 0),
 * then K, N, and the rows [start, end) of C to compute.
 */
export type MatmulFunction = (a: number, b: number, c: number, K: number, N: number, start: number, end: number) => void;

/** The module's bytes; it imports `env.memory` (shared or not, as `shared` says). */
export function matmulModule(options: MatmulKernelOptions, shared = false): Uint8Array<ArrayBuffer> {
  const rows = options.rows ?? DEFAULT_ROWS;
  const vecs = options.vecs ?? DEFAULT_VECS;
  if (!(Number.isInteger(rows) && rows >= 1 && Number.isInteger(vecs) && vecs >= 1)) {
    throw new Error(`matmul kernel: block ${rows}×${vecs} vectors is not positive`);
  }
  const m = new ModuleBuilder();
  // The memory's size is the caller's: declare the smallest, 1 page (a shared one must state a maximum).
  m.importMemory(memoryImport(shared));
  m.addFunction(['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => emitMatmul(f, options.fma, rows, vecs), 'matmul');
  // The same code with C's row length a separate argument (ldc, floats) after N: B may then be
  // one packed column panel of a wider product (conv/pointwise.ts), its rows N long.
  m.addFunction(['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => emitMatmul(f, options.fma, rows, vecs, true), 'matmulStrided');
  return m.build();
}

function emitMatmul(f: FunctionBuilder, fma: boolean, ROWS: number, VECS: number, ldc = false): void {
  const a = f.param(0, 'i32');
  const b = f.param(1, 'i32');
  const c = f.param(2, 'i32');
  const K = f.param(3, 'i32');
  const N = f.param(4, 'i32');
  const start = f.param(ldc ? 6 : 5, 'i32');
  const end = f.param(ldc ? 7 : 6, 'i32');
  const i = f.local('i32');
  const j = f.local('i32');
  const strideA = f.local('i32'); // bytes per row of A (K·4)
  const strideB = f.local('i32'); // bytes per row of B (N·4)
  const strideC = ldc ? f.local('i32') : strideB; // bytes per row of C (N·4, or ldc·4)
  const rowA = f.local('i32'); // &A[i, 0]
  const rowC = f.local('i32'); // &C[i, 0]
  const pb = f.local('i32'); // &B[k, j]
  const paEnd = f.local('i32'); // &A[i, K], where row 0's pointer stops
  const pa = Array.from({ length: ROWS }, () => f.local('i32')); // &A[i + r, k]
  const acc = Array.from({ length: ROWS * VECS }, () => f.local('v128'));
  const bv = Array.from({ length: VECS }, () => f.local('v128'));
  const s = f.local('v128');
  const accScalar = Array.from({ length: ROWS }, () => f.local('f32'));

  f.get(K).i32Const(4).i32Mul().set(strideA);
  f.get(N).i32Const(4).i32Mul().set(strideB);
  if (ldc) f.get(f.param(5, 'i32')).i32Const(4).i32Mul().set(strideC);
  f.get(a).get(start).get(strideA).i32Mul().i32Add().set(rowA);
  f.get(c).get(start).get(strideC).i32Mul().i32Add().set(rowC);
  f.get(start).set(i);

  /** Points pa[r] at A[i + r, 0] and paEnd at A[i, K]. */
  const startRows = (rows: number): void => {
    for (let r = 0; r < rows; r++) {
      f.get(rowA);
      if (r > 0) f.get(strideA).i32Const(r).i32Mul().i32Add();
      f.set(pa[r]!);
    }
    f.get(rowA).get(strideA).i32Add().set(paEnd);
  };

  /** The k loop shape: while pa[0] < paEnd { body; advance pa[·] by 4 bytes and pb by a row of B }. */
  const kLoop = (rows: number, body: () => void): void => {
    f.block((exit) => {
      f.loop((top) => {
        f.get(pa[0]!).get(paEnd).i32GeU().brIf(exit);
        body();
        for (let r = 0; r < rows; r++) f.get(pa[r]!).i32Const(4).i32Add().set(pa[r]!);
        f.get(pb).get(strideB).i32Add().set(pb);
        f.br(top);
      });
    });
  };

  /** acc ← s·v + acc, for locals s, v, acc. */
  const madd = (sv: Local<'v128'>, v: Local<'v128'>, into: Local<'v128'>): void => {
    if (fma) f.get(sv).get(v).get(into).f32x4RelaxedMadd().set(into);
    else f.get(into).get(sv).get(v).f32x4Mul().f32x4Add().set(into);
  };

  /** Columns j.. of `rows` rows: whole `vecs`-vector blocks while they fit. */
  const vectorColumns = (rows: number, vecs: number): void => {
    f.forRange(j, N, vecs * 4, () => {
      startRows(rows);
      f.get(b).get(j).i32Const(4).i32Mul().i32Add().set(pb);
      for (let q = 0; q < rows * vecs; q++) f.f32x4Const([0, 0, 0, 0]).set(acc[q]!);
      kLoop(rows, () => {
        for (let v = 0; v < vecs; v++) f.get(pb).v128Load({ offset: 16 * v, align: 2 }).set(bv[v]!);
        for (let r = 0; r < rows; r++) {
          f.get(pa[r]!).f32Load().f32x4Splat().set(s);
          for (let v = 0; v < vecs; v++) madd(s, bv[v]!, acc[r * vecs + v]!);
        }
      });
      for (let r = 0; r < rows; r++) {
        for (let v = 0; v < vecs; v++) {
          // &C[i + r, j] + 16v
          f.get(rowC).get(j).i32Const(4).i32Mul().i32Add();
          if (r > 0) f.get(strideC).i32Const(r).i32Mul().i32Add();
          f.get(acc[r * vecs + v]!).v128Store({ offset: 16 * v, align: 2 });
        }
      }
    }, vecs * 4);
  };

  /** The last N mod 4 columns of `rows` rows, one at a time in scalar f32. */
  const scalarColumns = (rows: number): void => {
    f.forRange(j, N, 1, () => {
      startRows(rows);
      f.get(b).get(j).i32Const(4).i32Mul().i32Add().set(pb);
      for (let r = 0; r < rows; r++) f.f32Const(0).set(accScalar[r]!);
      kLoop(rows, () => {
        for (let r = 0; r < rows; r++) {
          f.get(accScalar[r]!).get(pa[r]!).f32Load().get(pb).f32Load().f32Mul().f32Add().set(accScalar[r]!);
        }
      });
      for (let r = 0; r < rows; r++) {
        f.get(rowC).get(j).i32Const(4).i32Mul().i32Add();
        if (r > 0) f.get(strideC).i32Const(r).i32Mul().i32Add();
        f.get(accScalar[r]!).f32Store();
      }
    });
  };

  /** Whole blocks of `rows` rows from row i on, advancing i, rowA and rowC. */
  const rowBlocks = (rows: number): void => {
    f.forRange(i, end, rows, () => {
      f.i32Const(0).set(j);
      vectorColumns(rows, VECS);
      if (VECS > 1) vectorColumns(rows, 1);
      scalarColumns(rows);
      f.get(rowA).get(strideA).i32Const(rows).i32Mul().i32Add().set(rowA);
      f.get(rowC).get(strideC).i32Const(rows).i32Mul().i32Add().set(rowC);
    }, rows);
  };

  rowBlocks(ROWS);
  if (ROWS > 1) rowBlocks(1);
}

/** The compiled module for these options, compiled once per process. */
export function matmulKernelModule(options: MatmulKernelOptions, shared = false): WebAssembly.Module {
  const key = `matmul:${options.fma ? 'fma' : 'muladd'}:${options.rows ?? DEFAULT_ROWS}x${options.vecs ?? DEFAULT_VECS}:${shared ? 'shared' : 'own'}`;
  return cachedModule(key, () => matmulModule(options, shared));
}

/** The kernel instantiated over `memory`. Throws if `fma` is asked for where relaxed SIMD is absent. */
export function instantiateMatmul(memory: WebAssembly.Memory, options: MatmulKernelOptions): MatmulFunction {
  const shared = isSharedMemory(memory);
  const instance = new WebAssembly.Instance(matmulKernelModule(options, shared), { env: { memory } });
  return instance.exports['matmul'] as MatmulFunction;
}
