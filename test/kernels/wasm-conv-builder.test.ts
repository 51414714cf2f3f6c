/**
 * The module-builder instructions the convolution kernels added (max, load32_splat, signed
 * comparisons): each runs in a tiny module and gives what the WebAssembly spec says, NaN included.
 */
import { describe, expect, it } from 'vitest';
import { ModuleBuilder } from '../../src/kernels/wasm/module-builder.js';

function instantiate(build: (m: ModuleBuilder) => void): { e: WebAssembly.Exports; memory: WebAssembly.Memory } {
  const m = new ModuleBuilder();
  m.importMemory({ module: 'env', name: 'memory', initial: 1 });
  build(m);
  const bytes = m.build();
  expect(WebAssembly.validate(bytes)).toBe(true);
  const memory = new WebAssembly.Memory({ initial: 1 });
  return { e: new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports, memory };
}

describe('builder instructions added for the convolutions', () => {
  it('f32.max and f32x4.max propagate NaN and order signed zeros; load32_splat fills four lanes', () => {
    const { e, memory } = instantiate((m) => {
      // mem[16..32) = max(splat(mem[0]), mem[32..48)); mem[4] = max(mem[0], mem[8])
      m.addFunction([], [], (f) => {
        f.i32Const(16).i32Const(0).v128Load32Splat().i32Const(32).v128Load().f32x4Max().v128Store();
        f.i32Const(4).i32Const(0).f32Load().i32Const(8).f32Load().f32Max().f32Store();
      }, 'run');
    });
    const f32 = new Float32Array(memory.buffer);
    f32[0] = 1.5;
    f32[2] = Number.NaN;
    f32.set([-3, 2, Number.NaN, 1.5], 8);
    (e['run'] as () => void)();
    expect(Array.from(f32.subarray(4, 8))).toEqual([1.5, 2, Number.NaN, 1.5]);
    expect(f32[1]).toBeNaN();
    f32[0] = -0;
    f32[2] = 0;
    (e['run'] as () => void)();
    expect(Object.is(f32[1], 0)).toBe(true); // max(−0, +0) = +0
  });

  it('i32.gt_s and i32.le_s compare as signed', () => {
    const { e } = instantiate((m) => {
      m.addFunction(['i32', 'i32'], ['i32'], (f) => {
        f.get(f.param(0, 'i32')).get(f.param(1, 'i32')).i32GtS();
        f.get(f.param(0, 'i32')).get(f.param(1, 'i32')).i32LeS().i32Const(1).i32Shl().i32Or();
      }, 'cmp');
    });
    const cmp = e['cmp'] as (a: number, b: number) => number;
    expect([cmp(-1, 0), cmp(0, -1), cmp(3, 3), cmp(-5, -7)]).toEqual([2, 1, 2, 1]);
  });
});
