/**
 * A typed builder for WebAssembly binaries, so that kernels can be generated in TypeScript at run
 * time (specialised per shape class, cached) with no toolchain and no prebuilt .wasm.
 *
 * Typing: locals carry their value type (`Local<'v128'>`), so passing a float accumulator where an
 * address is expected fails to compile rather than to validate. Control flow is structured: a
 * block, loop or if is opened with a callback that receives its `Label`, and `br(label)` computes
 * the relative depth itself, so moving code between nesting levels cannot break a branch.
 * The engine's validator (`WebAssembly.validate`) remains the final check of the stack discipline.
 */
import { signedLeb128, unsignedLeb128 } from './leb128.js';
import { EMPTY_BLOCK, ExternKind, Op, Section, SIMD_PREFIX, SimdOp, ValType } from './opcodes.js';

export type ValTypeName = keyof typeof ValType;

/** A parameter or local of a function, with its type. */
export interface Local<T extends ValTypeName = ValTypeName> {
  readonly index: number;
  readonly type: T;
}

/** A block, loop or if that a branch may target while it is open. */
export interface Label {
  readonly depth: number;
  readonly kind: 'block' | 'loop' | 'if';
}

/** Alignment (log2 of bytes) and constant byte offset of a load or store. */
export interface MemArg {
  offset?: number;
  align?: number;
}

/** A memory the module imports (the caller owns it, so that JS and threads can share it). */
export interface MemoryImport {
  module: string;
  name: string;
  /** Pages of 64 KiB. */
  initial: number;
  maximum?: number;
  /** A shared memory must state its maximum (the spec requires it). */
  shared?: boolean;
}

function encodeString(s: string): number[] {
  const bytes = new TextEncoder().encode(s);
  return [...unsignedLeb128(bytes.length), ...bytes];
}

/** A vector: its element count, then the elements' bytes. */
function encodeVector(items: readonly number[][]): number[] {
  return [...unsignedLeb128(items.length), ...items.flat()];
}

function f32Bytes(value: number): number[] {
  return [...new Uint8Array(new Float32Array([value]).buffer)];
}

/** The body of one function; instruction methods append and return `this`, to chain. */
export class FunctionBuilder {
  readonly params: readonly Local[];
  private readonly localTypes: ValTypeName[] = [];
  private readonly bytes: number[] = [];
  /** Open blocks, innermost last. */
  private readonly open: Label[] = [];

  constructor(params: readonly ValTypeName[], readonly results: readonly ValTypeName[]) {
    this.params = params.map((type, index) => ({ index, type }));
  }

  /** Parameter `i`, typed as declared (the caller states the type it expects; checked). */
  param<T extends ValTypeName>(i: number, type: T): Local<T> {
    const p = this.params[i];
    if (p === undefined || p.type !== type) throw new Error(`param ${i} is ${p?.type ?? 'absent'}, not ${type}`);
    return p as Local<T>;
  }

  /** A new local, zero-initialised by the engine. */
  local<T extends ValTypeName>(type: T): Local<T> {
    this.localTypes.push(type);
    return { index: this.params.length + this.localTypes.length - 1, type };
  }

  // ---- raw emission ----
  private op(...bytes: number[]): this {
    this.bytes.push(...bytes);
    return this;
  }

  private simd(sub: number, ...imm: number[]): this {
    return this.op(SIMD_PREFIX, ...unsignedLeb128(sub), ...imm);
  }

  private memarg(m: MemArg, natural: number): number[] {
    const align = m.align ?? natural;
    // A hint above the access's natural alignment is invalid; below it is allowed (misaligned).
    if (align > natural) throw new Error(`alignment 2^${align} exceeds the natural 2^${natural}`);
    return [...unsignedLeb128(align), ...unsignedLeb128(m.offset ?? 0)];
  }

  // ---- control flow ----
  private structured(kind: Label['kind'], opcode: number, body: (label: Label) => void, elseBody?: () => void): this {
    const label: Label = { depth: this.open.length, kind };
    this.op(opcode, EMPTY_BLOCK);
    this.open.push(label);
    body(label);
    if (elseBody !== undefined) {
      this.op(Op.else);
      elseBody();
    }
    this.open.pop();
    return this.op(Op.end);
  }

  /** `block … end`: a branch to its label jumps past the end. */
  block(body: (label: Label) => void): this {
    return this.structured('block', Op.block, body);
  }

  /** `loop … end`: a branch to its label jumps back to the start. */
  loop(body: (label: Label) => void): this {
    return this.structured('loop', Op.loop, body);
  }

  /** `if … (else …) end` on the i32 on the stack. */
  if(then: (label: Label) => void, otherwise?: () => void): this {
    return this.structured('if', Op.if, then, otherwise);
  }

  private relativeDepth(label: Label): number {
    if (this.open[label.depth] !== label) throw new Error('branch to a label that is not open');
    return this.open.length - 1 - label.depth;
  }

  br(label: Label): this {
    return this.op(Op.br, ...unsignedLeb128(this.relativeDepth(label)));
  }

  /** Branches when the i32 on the stack is non-zero. */
  brIf(label: Label): this {
    return this.op(Op.br_if, ...unsignedLeb128(this.relativeDepth(label)));
  }

  return(): this {
    return this.op(Op.return);
  }

  unreachable(): this {
    return this.op(Op.unreachable);
  }

  nop(): this {
    return this.op(Op.nop);
  }

  drop(): this {
    return this.op(Op.drop);
  }

  /**
   * `for (counter = start; counter + span <= end; counter += step) body` with i32 counters, the
   * loop shape every kernel tile uses (span > 0 makes it a "whole tiles only" loop, leaving the
   * ragged remainder to the next loop). `end` is a local or a constant.
   */
  forRange(counter: Local<'i32'>, end: Local<'i32'> | number, step: number, body: () => void, span = 1): this {
    return this.block((exit) => {
      this.loop((top) => {
        this.get(counter);
        if (span !== 1) this.i32Const(span - 1).i32Add();
        if (typeof end === 'number') this.i32Const(end);
        else this.get(end);
        this.op(Op.i32_ge_s).brIf(exit);
        body();
        this.get(counter).i32Const(step).i32Add().set(counter);
        this.br(top);
      });
    });
  }

  // ---- locals ----
  get(l: Local): this {
    return this.op(Op.local_get, ...unsignedLeb128(l.index));
  }

  set(l: Local): this {
    return this.op(Op.local_set, ...unsignedLeb128(l.index));
  }

  tee(l: Local): this {
    return this.op(Op.local_tee, ...unsignedLeb128(l.index));
  }

  // ---- i32 ----
  i32Const(v: number): this {
    return this.op(Op.i32_const, ...signedLeb128(v));
  }
  i32Add(): this { return this.op(Op.i32_add); }
  i32Sub(): this { return this.op(Op.i32_sub); }
  i32Mul(): this { return this.op(Op.i32_mul); }
  i32DivU(): this { return this.op(Op.i32_div_u); }
  i32RemU(): this { return this.op(Op.i32_rem_u); }
  i32And(): this { return this.op(Op.i32_and); }
  i32Or(): this { return this.op(Op.i32_or); }
  i32Shl(): this { return this.op(Op.i32_shl); }
  i32ShrU(): this { return this.op(Op.i32_shr_u); }
  i32Eqz(): this { return this.op(Op.i32_eqz); }
  i32Eq(): this { return this.op(Op.i32_eq); }
  i32Ne(): this { return this.op(Op.i32_ne); }
  i32LtS(): this { return this.op(Op.i32_lt_s); }
  i32LtU(): this { return this.op(Op.i32_lt_u); }
  i32GeS(): this { return this.op(Op.i32_ge_s); }
  i32GeU(): this { return this.op(Op.i32_ge_u); }
  i32Load(m: MemArg = {}): this { return this.op(Op.i32_load, ...this.memarg(m, 2)); }
  i32Store(m: MemArg = {}): this { return this.op(Op.i32_store, ...this.memarg(m, 2)); }

  // ---- f32 ----
  f32Const(v: number): this {
    return this.op(Op.f32_const, ...f32Bytes(v));
  }
  f32Add(): this { return this.op(Op.f32_add); }
  f32Sub(): this { return this.op(Op.f32_sub); }
  f32Mul(): this { return this.op(Op.f32_mul); }
  f32Div(): this { return this.op(Op.f32_div); }
  f32Load(m: MemArg = {}): this { return this.op(Op.f32_load, ...this.memarg(m, 2)); }
  f32Store(m: MemArg = {}): this { return this.op(Op.f32_store, ...this.memarg(m, 2)); }

  // ---- SIMD128 ----
  v128Load(m: MemArg = {}): this { return this.simd(SimdOp.v128_load, ...this.memarg(m, 4)); }
  v128Store(m: MemArg = {}): this { return this.simd(SimdOp.v128_store, ...this.memarg(m, 4)); }
  /** A v128 constant of four f32 lanes. */
  f32x4Const(lanes: readonly [number, number, number, number]): this {
    return this.simd(SimdOp.v128_const, ...lanes.flatMap(f32Bytes));
  }
  f32x4Splat(): this { return this.simd(SimdOp.f32x4_splat); }
  f32x4ExtractLane(lane: number): this {
    if (!Number.isInteger(lane) || lane < 0 || lane > 3) throw new RangeError(`f32x4 lane ${lane}`);
    return this.simd(SimdOp.f32x4_extract_lane, lane);
  }
  f32x4ReplaceLane(lane: number): this {
    if (!Number.isInteger(lane) || lane < 0 || lane > 3) throw new RangeError(`f32x4 lane ${lane}`);
    return this.simd(SimdOp.f32x4_replace_lane, lane);
  }
  f32x4Add(): this { return this.simd(SimdOp.f32x4_add); }
  f32x4Sub(): this { return this.simd(SimdOp.f32x4_sub); }
  f32x4Mul(): this { return this.simd(SimdOp.f32x4_mul); }
  f32x4Div(): this { return this.simd(SimdOp.f32x4_div); }
  /** Lane-wise minimum; NaN if either lane is NaN, −0 below +0. */
  f32x4Min(): this { return this.simd(SimdOp.f32x4_min); }
  f32x4Neg(): this { return this.simd(SimdOp.f32x4_neg); }
  f32x4Abs(): this { return this.simd(SimdOp.f32x4_abs); }
  f32x4Sqrt(): this { return this.simd(SimdOp.f32x4_sqrt); }
  /** Comparisons give a lane mask: all ones where true, zero where false (NaN compares false). */
  f32x4Eq(): this { return this.simd(SimdOp.f32x4_eq); }
  f32x4Lt(): this { return this.simd(SimdOp.f32x4_lt); }
  f32x4Gt(): this { return this.simd(SimdOp.f32x4_gt); }
  f32x4Ge(): this { return this.simd(SimdOp.f32x4_ge); }
  v128And(): this { return this.simd(SimdOp.v128_and); }
  /** [a, b] → a & ~b. */
  v128AndNot(): this { return this.simd(SimdOp.v128_andnot); }
  /** [a, b, mask] → (a & mask) | (b & ~mask): lanes of a where the mask is set, else b's. */
  v128Bitselect(): this { return this.simd(SimdOp.v128_bitselect); }
  i32x4Splat(): this { return this.simd(SimdOp.i32x4_splat); }
  /** Lane mask of equal i32 lanes. */
  i32x4Eq(): this { return this.simd(SimdOp.i32x4_eq); }
  /** Relaxed SIMD: [a, b, c] → a·b + c. Only valid where `features().relaxedSimd`. */
  f32x4RelaxedMadd(): this { return this.simd(SimdOp.f32x4_relaxed_madd); }

  // ---- appended for the convolution kernels ----
  i32GtS(): this { return this.op(Op.i32_gt_s); }
  i32LeS(): this { return this.op(Op.i32_le_s); }
  /** IEEE max with NaN propagation (a ReLU that keeps NaN, as Math.max does). */
  f32Max(): this { return this.op(Op.f32_max); }
  /** Lane-wise max, NaN propagating. */
  f32x4Max(): this { return this.simd(SimdOp.f32x4_max); }
  /** One f32 (32 bits) loaded and splatted to four lanes (one instruction instead of load + splat). */
  v128Load32Splat(m: MemArg = {}): this { return this.simd(SimdOp.v128_load32_splat, ...this.memarg(m, 2)); }

  /** The code-section entry: size, locals (run-length grouped by type), body, `end`. */
  encode(): number[] {
    if (this.open.length !== 0) throw new Error('function ends inside an open block');
    const groups: number[][] = [];
    let i = 0;
    while (i < this.localTypes.length) {
      const type = this.localTypes[i]!;
      let n = 1;
      while (this.localTypes[i + n] === type) n++;
      groups.push([...unsignedLeb128(n), ValType[type]]);
      i += n;
    }
    const body = [...encodeVector(groups), ...this.bytes, Op.end];
    return [...unsignedLeb128(body.length), ...body];
  }
}

interface FunctionEntry {
  typeIndex: number;
  builder: FunctionBuilder;
}

/** A module: types, one optional imported memory, functions and their exports. */
export class ModuleBuilder {
  private readonly types: string[] = [];
  private readonly typeBytes: number[][] = [];
  private memory: MemoryImport | null = null;
  private readonly functions: FunctionEntry[] = [];
  private readonly exports: { name: string; kind: number; index: number }[] = [];

  /** Imports the module's memory (index 0). */
  importMemory(memory: MemoryImport): this {
    if (this.memory !== null) throw new Error('one memory only (multi-memory is not assumed)');
    if (memory.shared === true && memory.maximum === undefined) throw new Error('a shared memory needs a maximum');
    this.memory = memory;
    return this;
  }

  /** Signatures are deduplicated: equal ones share a type index. */
  private typeIndex(params: readonly ValTypeName[], results: readonly ValTypeName[]): number {
    const key = `${params.join(',')}->${results.join(',')}`;
    let index = this.types.indexOf(key);
    if (index < 0) {
      index = this.types.length;
      this.types.push(key);
      this.typeBytes.push([
        0x60,
        ...encodeVector(params.map((p) => [ValType[p]])),
        ...encodeVector(results.map((r) => [ValType[r]])),
      ]);
    }
    return index;
  }

  /** Adds a function built by `build`, exported as `exportName` if given; returns its index. */
  addFunction(
    params: readonly ValTypeName[], results: readonly ValTypeName[], build: (f: FunctionBuilder) => void, exportName?: string,
  ): number {
    const builder = new FunctionBuilder(params, results);
    build(builder);
    const index = this.functions.length; // no imported functions, so indices start at 0
    this.functions.push({ typeIndex: this.typeIndex(params, results), builder });
    if (exportName !== undefined) this.exports.push({ name: exportName, kind: ExternKind.func, index });
    return index;
  }

  /** The binary: magic, version, then the non-empty sections in their required order. */
  build(): Uint8Array<ArrayBuffer> {
    const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    const section = (id: number, content: number[]): void => {
      out.push(id, ...unsignedLeb128(content.length), ...content);
    };
    if (this.typeBytes.length > 0) section(Section.type, encodeVector(this.typeBytes));
    if (this.memory !== null) {
      const m = this.memory;
      // Limits flags: bit 0 = has maximum, bit 1 = shared (threads proposal, standard since 2.0 drafts).
      const flags = (m.maximum !== undefined ? 1 : 0) | (m.shared === true ? 2 : 0);
      const limits = [flags, ...unsignedLeb128(m.initial), ...(m.maximum !== undefined ? unsignedLeb128(m.maximum) : [])];
      section(Section.import, encodeVector([[...encodeString(m.module), ...encodeString(m.name), ExternKind.memory, ...limits]]));
    }
    if (this.functions.length > 0) section(Section.function, encodeVector(this.functions.map((f) => unsignedLeb128(f.typeIndex))));
    if (this.exports.length > 0) {
      section(Section.export, encodeVector(this.exports.map((e) => [...encodeString(e.name), e.kind, ...unsignedLeb128(e.index)])));
    }
    if (this.functions.length > 0) section(Section.code, encodeVector(this.functions.map((f) => f.builder.encode())));
    return new Uint8Array(out);
  }
}
