/**
 * SIMD128 elementwise kernels, generated per op: the memory-bound maps where four lanes per
 * instruction pay (relu and its derivative on every activation, the adds and multiplies of
 * gradients, bias and per-channel broadcasts). Ops without a SIMD instruction (exp, log, pow,
 * sign) stay in TypeScript (wasm-elementwise.ts).
 *
 * Work items are whole 16-byte vectors: every block of the backend's memory is 16-byte aligned
 * and a multiple of 16 bytes long, so the last vector of an n-element tensor stays inside its
 * block (its extra lanes are padding nobody reads) and no scalar tail is needed. Exports, each
 * ending in the partition convention's `start, end` (kernel-runner.ts):
 *
 * - unary module: `map(x, out, start, end)`, items = vectors.
 * - binary module: `same(a, b, out, start, end)` (equal shapes), `scalarA` / `scalarB` (that
 *   operand has one element), items = vectors; and for the output seen as rows of C elements (C a
 *   multiple of 4), `rowB`, `rowA`, `colB`, `colA`, `colRow`, `rowCol(a, b, out, C, start, end)`,
 *   items = rows: each operand is whole, a row repeated over the rows (a bias or per-channel
 *   scale), or a column of one value per row (a per-example scale: IG's α·(x − baseline)).
 * - `sumRows(x, out, rows, C, start, end)`: out[j] = Σ_r x[r, j] (a sum over leading axes: a
 *   bias gradient), items = vectors of 4 columns; rows in blocks of 64, each block's sum kept in a
 *   register (error ∝ 64 + rows/64 rather than rows).
 */
import type { BinaryOp, UnaryOp } from '../../backend.js';
import { ModuleBuilder, type FunctionBuilder, type Local } from '../module-builder.js';
import { memoryImportFor, memoryKind } from '../memory-import.js';
import { cachedModule } from '../module-cache.js';

export type SimdUnaryOp = 'neg' | 'abs' | 'sqrt' | 'relu' | 'step';
export type SimdBinaryOp = Exclude<BinaryOp, 'pow'>;

export const SIMD_UNARY: ReadonlySet<UnaryOp> = new Set<UnaryOp>(['neg', 'abs', 'sqrt', 'relu', 'step']);
export const SIMD_BINARY: ReadonlySet<BinaryOp> = new Set<BinaryOp>(['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'greater', 'greaterEqual', 'equal']);

/**
 * How an operand of a broadcast binary op is read when the output is seen as [R, C] rows: all of
 * it, one row of C repeated for every row, or one value per row (a column) repeated along it.
 */
export type OperandKind = 'full' | 'row' | 'col';

/** The two-dimensional layouts with a kernel, by export name (the equal-shape and scalar cases have their own). */
export const TWO_D: readonly (readonly [OperandKind, OperandKind, string])[] = [
  ['full', 'row', 'rowB'],
  ['row', 'full', 'rowA'],
  ['full', 'col', 'colB'],
  ['col', 'full', 'colA'],
  ['col', 'row', 'colRow'],
  ['row', 'col', 'rowCol'],
];

const ZERO = [0, 0, 0, 0] as const;
/** Rows summed in a register before joining the output (see sumRows). */
const SUM_BLOCK = 64;
const ONE = [1, 1, 1, 1] as const;

/** Replaces the v128 on the stack by op(it); `t` is a scratch local. */
function emitUnary(f: FunctionBuilder, op: SimdUnaryOp, t: Local<'v128'>): void {
  switch (op) {
    case 'neg': f.f32x4Neg(); break;
    case 'abs': f.f32x4Abs(); break;
    case 'sqrt': f.f32x4Sqrt(); break;
    // x & ~(x < 0): negative lanes become +0; NaN (never < 0) and −0 pass, as `v < 0 ? 0 : v`.
    case 'relu': f.tee(t).get(t).f32x4Const(ZERO).f32x4Lt().v128AndNot(); break;
    // (x > 0) & 1.0: the mask selects the bits of 1.0.
    case 'step': f.f32x4Const(ZERO).f32x4Gt().f32x4Const(ONE).v128And(); break;
  }
}

/** Replaces the two v128 on the stack [a, b] by op(a, b). */
function emitBinary(f: FunctionBuilder, op: SimdBinaryOp): void {
  switch (op) {
    case 'add': f.f32x4Add(); break;
    case 'sub': f.f32x4Sub(); break;
    case 'mul': f.f32x4Mul(); break;
    case 'div': f.f32x4Div(); break;
    case 'maximum': f.f32x4Max(); break;
    case 'minimum': f.f32x4Min(); break;
    case 'greater': f.f32x4Gt().f32x4Const(ONE).v128And(); break;
    case 'greaterEqual': f.f32x4Ge().f32x4Const(ONE).v128And(); break;
    case 'equal': f.f32x4Eq().f32x4Const(ONE).v128And(); break;
  }
}

/** for (off = start·16; off < end·16; off += 16) body(off): a loop over whole vectors. */
function vectorLoop(f: FunctionBuilder, start: Local<'i32'>, end: Local<'i32'>, body: (off: Local<'i32'>) => void): void {
  const off = f.local('i32');
  const stop = f.local('i32');
  f.get(start).i32Const(4).i32Shl().set(off);
  f.get(end).i32Const(4).i32Shl().set(stop);
  f.forRange(off, stop, 16, () => body(off));
}

/** Pushes base + off. */
const at = (f: FunctionBuilder, base: Local<'i32'>, off: Local<'i32'>): FunctionBuilder => f.get(base).get(off).i32Add();

export function unaryModule(op: SimdUnaryOp, memory: WebAssembly.Memory): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder().importMemory(memoryImportFor(memory));
  m.addFunction(['i32', 'i32', 'i32', 'i32'], [], (f) => {
    const [x, out, start, end] = [0, 1, 2, 3].map((i) => f.param(i, 'i32')) as [Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>];
    const t = f.local('v128');
    vectorLoop(f, start, end, (off) => {
      at(f, out, off);
      at(f, x, off).v128Load();
      emitUnary(f, op, t);
      f.v128Store();
    });
  }, 'map');
  return m.build();
}

export function binaryModule(op: SimdBinaryOp, memory: WebAssembly.Memory): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder().importMemory(memoryImportFor(memory));
  const i32 = (f: FunctionBuilder, n: number): Local<'i32'>[] => Array.from({ length: n }, (_, i) => f.param(i, 'i32'));

  m.addFunction(['i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => {
    const [a, b, out, start, end] = i32(f, 5) as [Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>];
    vectorLoop(f, start, end, (off) => {
      at(f, out, off);
      at(f, a, off).v128Load();
      at(f, b, off).v128Load();
      emitBinary(f, op);
      f.v128Store();
    });
  }, 'same');

  for (const side of ['A', 'B'] as const) {
    m.addFunction(['i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => {
      const [a, b, out, start, end] = i32(f, 5) as [Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>];
      const s = f.local('v128');
      f.get(side === 'A' ? a : b).f32Load().f32x4Splat().set(s);
      vectorLoop(f, start, end, (off) => {
        at(f, out, off);
        if (side === 'A') f.get(s).get(b).get(off).i32Add().v128Load();
        else f.get(a).get(off).i32Add().v128Load().get(s);
        emitBinary(f, op);
        f.v128Store();
      });
    }, `scalar${side}`);

  }

  for (const [kindA, kindB, name] of TWO_D) {
    m.addFunction(['i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => {
      const [a, b, out, C, start, end] = i32(f, 6) as [Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>];
      const rowBytes = f.local('i32');
      const r = f.local('i32');
      const off = f.local('i32'); // byte offset of row r in a full operand and out
      const j = f.local('i32'); // byte offset in the row
      const sa = f.local('v128'); // a column operand's value for row r, splatted
      const sb = f.local('v128');
      f.get(C).i32Const(2).i32Shl().set(rowBytes);
      /** Pushes the operand's vector at (r, j). */
      const operand = (kind: OperandKind, base: Local<'i32'>, splat: Local<'v128'>): void => {
        if (kind === 'col') f.get(splat);
        else if (kind === 'row') f.get(base).get(j).i32Add().v128Load();
        else f.get(base).get(off).i32Add().get(j).i32Add().v128Load();
      };
      f.get(start).set(r);
      f.forRange(r, end, 1, () => {
        f.get(r).get(rowBytes).i32Mul().set(off);
        if (kindA === 'col') f.get(a).get(r).i32Const(2).i32Shl().i32Add().f32Load().f32x4Splat().set(sa);
        if (kindB === 'col') f.get(b).get(r).i32Const(2).i32Shl().i32Add().f32Load().f32x4Splat().set(sb);
        f.i32Const(0).set(j);
        f.forRange(j, rowBytes, 16, () => {
          f.get(out).get(off).i32Add().get(j).i32Add();
          operand(kindA, a, sa);
          operand(kindB, b, sb);
          emitBinary(f, op);
          f.v128Store();
        });
      });
    }, name);
  }
  return m.build();
}

export function sumRowsModule(memory: WebAssembly.Memory): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder().importMemory(memoryImportFor(memory));
  m.addFunction(['i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => {
    const [x, out, rows, C, start, end] = [0, 1, 2, 3, 4, 5].map((i) => f.param(i, 'i32')) as Local<'i32'>[] as [
      Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>,
    ];
    const rb = f.local('i32'); // first row of the block
    const blockEnd = f.local('i32'); // one past its last row
    const p = f.local('i32'); // &x[r, off]
    const pEnd = f.local('i32');
    const rowBytes = f.local('i32');
    const acc = f.local('v128');
    f.get(C).i32Const(2).i32Shl().set(rowBytes);
    vectorLoop(f, start, end, (off) => {
      at(f, out, off).f32x4Const(ZERO).v128Store();
    });
    // Blocks of SUM_BLOCK rows, each summed in a register and then added to out: the rounding
    // error grows with SUM_BLOCK + rows / SUM_BLOCK rather than with rows, and a block's rows
    // (SUM_BLOCK · C · 4 bytes) stay in cache while its columns are walked.
    f.i32Const(0).set(rb);
    f.forRange(rb, rows, SUM_BLOCK, () => {
      f.get(rb).i32Const(SUM_BLOCK).i32Add().set(blockEnd);
      f.get(blockEnd).get(rows).i32GtS().if(() => void f.get(rows).set(blockEnd));
      vectorLoop(f, start, end, (off) => {
        f.f32x4Const(ZERO).set(acc);
        f.get(x).get(rb).get(rowBytes).i32Mul().i32Add().get(off).i32Add().set(p);
        f.get(x).get(blockEnd).get(rowBytes).i32Mul().i32Add().get(off).i32Add().set(pEnd);
        f.block((exit) => f.loop((top) => {
          f.get(p).get(pEnd).i32GeU().brIf(exit);
          f.get(acc).get(p).v128Load().f32x4Add().set(acc);
          f.get(p).get(rowBytes).i32Add().set(p);
          f.br(top);
        }));
        at(f, out, off);
        at(f, out, off).v128Load();
        f.get(acc).f32x4Add().v128Store();
      });
    });
  }, 'sumRows');
  return m.build();
}

/** The compiled module for this op and memory kind, compiled once per process. */
export function elementwiseKernelModule(kind: 'unary' | 'binary' | 'sumRows', op: string, memory: WebAssembly.Memory): WebAssembly.Module {
  return cachedModule(`elementwise-${kind}:${op}:${memoryKind(memory)}`, () =>
    kind === 'unary'
      ? unaryModule(op as SimdUnaryOp, memory)
      : kind === 'binary' ? binaryModule(op as SimdBinaryOp, memory) : sumRowsModule(memory));
}
