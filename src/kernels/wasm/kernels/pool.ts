/**
 * NHWC max pooling and its gradient in SIMD128, four channels per vector (C a multiple of 4),
 * specialised per geometry (window, strides, padding, sizes baked in as constants; cached).
 *
 * Semantics are the CPU oracle's: a window is clipped to the input (padded cells never win); the
 * running maximum takes a value only when it is strictly greater (`gt` then `bitselect`), so NaN
 * never wins and, among equal values, the first in row-major window order does; a window where
 * nothing beats −∞ gives −∞ forward and routes no gradient.
 *
 * - `forward(x, out, start, end)`: items are output rows (n·outH + oh).
 * - `backward(x, dy, dx, start, end)`: the same items, for windows that do not overlap (stride ≥
 *   window on both axes, which the caller checks; overlapping windows use the TypeScript loop).
 *   Each lane remembers which cell won (its index h·inW + w); then every cell of the window is
 *   written dy where it won and 0 elsewhere, so no scatter is needed and items write disjoint
 *   rows of dx. Cells no window covers are zeroed by the caller first.
 */
import type { Pool2DParams } from '../../backend.js';
import { ModuleBuilder, type FunctionBuilder, type Local } from '../module-builder.js';
import { memoryImportFor, memoryKind } from '../memory-import.js';
import { cachedModule } from '../module-cache.js';

export interface PoolGeometry {
  batch: number;
  inH: number;
  inW: number;
  C: number;
  p: Pool2DParams;
}

type I32 = Local<'i32'>;

export function maxPoolModule(g: PoolGeometry, memory: WebAssembly.Memory): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder().importMemory(memoryImportFor(memory));
  m.addFunction(['i32', 'i32', 'i32', 'i32'], [], (f) => emit(f, g, false), 'forward');
  m.addFunction(['i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => emit(f, g, true), 'backward');
  return m.build();
}

function emit(f: FunctionBuilder, g: PoolGeometry, backward: boolean): void {
  const { inH, inW, C, p } = g;
  const [kh, kw] = p.window;
  const [sh, sw] = p.strides;
  const { outHeight: outH, outWidth: outW } = p;
  const params = Array.from({ length: backward ? 5 : 4 }, (_, i) => f.param(i, 'i32'));
  const x = params[0]!;
  const dy = backward ? params[1]! : null;
  const out = backward ? params[2]! : params[1]!; // forward: the output; backward: dx
  const [start, end] = params.slice(-2) as [I32, I32];
  const r = f.local('i32');
  const n = f.local('i32');
  const oh = f.local('i32');
  const ow = f.local('i32');
  const h0 = f.local('i32');
  const h1 = f.local('i32');
  const w0 = f.local('i32');
  const w1 = f.local('i32');
  const h = f.local('i32');
  const w = f.local('i32');
  const cv = f.local('i32'); // byte offset of the channel vector (16·k)
  const imageRow0 = f.local('i32'); // n·inH
  const at = f.local('i32'); // address of x (or dx) at (n, h, w, cv)
  const o = f.local('i32'); // byte offset of output pixel (r, ow), channel 0
  const best = f.local('v128');
  const idx = f.local('v128');
  const v = f.local('v128');
  const mask = f.local('v128');
  const dyv = f.local('v128');
  const C4 = C * 4;

  /** at = base + (((imageRow0 + h)·inW + w)·C)·4 + cv */
  const cellAddress = (base: I32): void => {
    f.get(base).get(imageRow0).get(h).i32Add().i32Const(inW).i32Mul().get(w).i32Add().i32Const(C4).i32Mul().i32Add().get(cv).i32Add().set(at);
  };
  /** for h in [h0, h1), w in [w0, w1): body() */
  const eachCell = (body: () => void): void => {
    f.get(h0).set(h);
    f.forRange(h, h1, 1, () => {
      f.get(w0).set(w);
      f.forRange(w, w1, 1, body);
    });
  };

  f.get(start).set(r);
  f.forRange(r, end, 1, () => {
    f.get(r).i32Const(outH).i32DivU().set(n);
    f.get(r).get(n).i32Const(outH).i32Mul().i32Sub().set(oh);
    f.get(n).i32Const(inH).i32Mul().set(imageRow0);
    // h0 = max(oh·sh − top, 0), h1 = min(oh·sh − top + kh, inH)
    f.get(oh).i32Const(sh).i32Mul().i32Const(p.pad.top).i32Sub().set(h0);
    f.get(h0).i32Const(kh).i32Add().set(h1);
    f.get(h0).i32Const(0).i32LtS().if(() => void f.i32Const(0).set(h0));
    f.get(h1).i32Const(inH).i32GtS().if(() => void f.i32Const(inH).set(h1));
    f.i32Const(0).set(ow);
    f.forRange(ow, outW, 1, () => {
      f.get(ow).i32Const(sw).i32Mul().i32Const(p.pad.left).i32Sub().set(w0);
      f.get(w0).i32Const(kw).i32Add().set(w1);
      f.get(w0).i32Const(0).i32LtS().if(() => void f.i32Const(0).set(w0));
      f.get(w1).i32Const(inW).i32GtS().if(() => void f.i32Const(inW).set(w1));
      f.get(r).i32Const(outW).i32Mul().get(ow).i32Add().i32Const(C4).i32Mul().set(o);
      f.i32Const(0).set(cv);
      f.forRange(cv, C4, 16, () => {
        f.f32x4Const([-Infinity, -Infinity, -Infinity, -Infinity]).set(best);
        if (backward) f.i32Const(-1).i32x4Splat().set(idx);
        eachCell(() => {
          cellAddress(x);
          f.get(at).v128Load().set(v);
          f.get(v).get(best).f32x4Gt().set(mask);
          f.get(v).get(best).get(mask).v128Bitselect().set(best);
          if (backward) {
            f.get(imageRow0).get(h).i32Add().i32Const(inW).i32Mul().get(w).i32Add().i32x4Splat();
            f.get(idx).get(mask).v128Bitselect().set(idx);
          }
        });
        if (!backward) {
          f.get(out).get(o).i32Add().get(cv).i32Add().get(best).v128Store();
          return;
        }
        f.get(dy!).get(o).i32Add().get(cv).i32Add().v128Load().set(dyv);
        eachCell(() => {
          cellAddress(out);
          f.get(at);
          f.get(dyv);
          f.get(imageRow0).get(h).i32Add().i32Const(inW).i32Mul().get(w).i32Add().i32x4Splat().get(idx).i32x4Eq();
          f.v128And().v128Store();
        });
      });
    });
  });
}

/** The compiled module for this geometry and memory kind, once per process. */
export function maxPoolKernelModule(g: PoolGeometry, memory: WebAssembly.Memory): { key: string; module: WebAssembly.Module } {
  const p = g.p;
  const key = `maxpool:${g.inH}x${g.inW}x${g.C}:w${p.window.join('x')}:s${p.strides.join('x')}:p${p.pad.top},${p.pad.left}:o${p.outHeight}x${p.outWidth}:${memoryKind(memory)}`;
  return { key, module: cachedModule(key, () => maxPoolModule(g, memory)) };
}
