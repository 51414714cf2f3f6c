/**
 * The module-builder instructions the elementwise and pooling kernels added (f32x4 div, min, neg,
 * abs, sqrt, the comparisons, v128.and, andnot and bitselect, i32x4 splat and eq): each in a tiny
 * module over four lanes chosen for the
 * spec's corner cases (NaN, ±0, ±∞), against what JavaScript's own float32 arithmetic gives.
 */
import { describe, expect, it } from 'vitest';
import { ModuleBuilder, type FunctionBuilder } from '../../src/kernels/wasm/module-builder.js';

const A = [1.5, -0, Number.NaN, -Infinity];
const B = [-2, 0, 3, -Infinity];

/** Runs `op` on the v128 lanes A and B (or A alone) and returns the result as four u32 bit patterns or floats. */
function lanes(op: (f: FunctionBuilder) => void, binary: boolean): { f: Float32Array; u: Uint32Array } {
  const m = new ModuleBuilder();
  m.importMemory({ module: 'env', name: 'memory', initial: 1 });
  m.addFunction([], [], (f) => {
    f.i32Const(32).i32Const(0).v128Load();
    if (binary) f.i32Const(16).v128Load();
    op(f);
    f.v128Store();
  }, 'run');
  const bytes = m.build();
  expect(WebAssembly.validate(bytes)).toBe(true);
  const memory = new WebAssembly.Memory({ initial: 1 });
  const f32 = new Float32Array(memory.buffer);
  f32.set(A, 0);
  f32.set(B, 4);
  (new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports['run'] as () => void)();
  return { f: f32.slice(8, 12), u: new Uint32Array(memory.buffer).slice(8, 12) };
}

const same = (got: Float32Array, want: number[]): void => {
  want.forEach((w, i) => expect(Object.is(got[i], Math.fround(w)), `lane ${i}: ${got[i]} vs ${w}`).toBe(true));
};

describe('builder instructions added for the elementwise kernels', () => {
  it('f32x4 div, min, neg, abs and sqrt give the IEEE results lane by lane', () => {
    same(lanes((f) => f.f32x4Div(), true).f, A.map((a, i) => a / B[i]!));
    // min propagates NaN and puts −0 below +0, as Math.min.
    same(lanes((f) => f.f32x4Min(), true).f, A.map((a, i) => Math.min(a, B[i]!)));
    same(lanes((f) => f.f32x4Neg(), false).f, A.map((a) => -a));
    same(lanes((f) => f.f32x4Abs(), false).f, A.map((a) => Math.abs(a)));
    same(lanes((f) => f.f32x4Sqrt(), false).f, A.map((a) => Math.sqrt(a)));
  });

  it('comparisons give all-ones masks where true (NaN compares false), and and/andnot combine bits', () => {
    const mask = (bits: boolean[]): number[] => bits.map((b) => (b ? 0xffffffff : 0));
    expect(Array.from(lanes((f) => f.f32x4Eq(), true).u)).toEqual(mask(A.map((a, i) => a === B[i])));
    expect(Array.from(lanes((f) => f.f32x4Lt(), true).u)).toEqual(mask(A.map((a, i) => a < B[i]!)));
    expect(Array.from(lanes((f) => f.f32x4Gt(), true).u)).toEqual(mask(A.map((a, i) => a > B[i]!)));
    expect(Array.from(lanes((f) => f.f32x4Ge(), true).u)).toEqual(mask(A.map((a, i) => a >= B[i]!)));
    // (A ≥ B) & bits(1.0) is 1.0 where true; andnot is A & ~B, bit by bit.
    same(lanes((f) => f.f32x4Ge().f32x4Const([1, 1, 1, 1]).v128And(), true).f, A.map((a, i) => (a >= B[i]! ? 1 : 0)));
    const [aBits, bBits] = [new Uint32Array(new Float32Array(A).buffer), new Uint32Array(new Float32Array(B).buffer)];
    expect(Array.from(lanes((f) => f.v128AndNot(), true).u)).toEqual(A.map((_, i) => (aBits[i]! & ~bBits[i]!) >>> 0));
  });

  it('bitselect takes the first operand where the mask is set; i32x4 splat and eq build and test lane indices', () => {
    // bitselect(A, B, A > B): the larger of each pair, B where the comparison is false (NaN).
    same(lanes((f) => f.i32Const(0).v128Load().i32Const(16).v128Load().f32x4Gt().v128Bitselect(), true).f, A.map((a, i) => (a > B[i]! ? a : B[i]!)));
    // eq(A's bits, splat(7)): no lane of A has the bit pattern 7; eq(splat(7), splat(7)) is all ones.
    expect(Array.from(lanes((f) => f.drop().i32Const(7).i32x4Splat().i32x4Eq(), true).u)).toEqual([0, 0, 0, 0]);
    expect(Array.from(lanes((f) => f.drop().drop().i32Const(7).i32x4Splat().i32Const(7).i32x4Splat().i32x4Eq(), true).u)).toEqual(new Array(4).fill(0xffffffff));
  });
});
