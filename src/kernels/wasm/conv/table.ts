/**
 * The indirection tables of indirection.ts, built in WebAssembly: at 224×224 the TypeScript
 * loops took 2–3 ms of a 9 ms first-layer convolution. Same entries, same layout (ind[q·T + t]);
 * indirection.ts stays as their statement in TypeScript. Taps are unrolled (T is small).
 *
 * Exports (trailing start, end):
 *   forwardTable(ind, x, zero, start, end)     items = output rows (n, oh)
 *   inputGradTable(ind, dy, zero, start, end)  items = input rows (n, ih)
 */
import { memoryImport } from '../memory-import.js';
import { ModuleBuilder, type FunctionBuilder, type Local } from '../module-builder.js';
import { i32Locals, params } from './direct.js';
import type { KernelHandle } from '../kernel-runner.js';
import { geometryKey, type ConvGeometry } from './geometry.js';
import { cachedModule, isShared, type ConvContext } from './kernels.js';

export function tableKernel(ctx: ConvContext, g: ConvGeometry): KernelHandle {
  const shared = isShared(ctx);
  const key = `conv-table:${geometryKey(g)}:${shared ? 'shared' : 'own'}`;
  return ctx.runner.load(key, cachedModule(key, () => tableModule(g, shared)));
}

export function tableModule(g: ConvGeometry, shared: boolean): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder();
  m.importMemory(memoryImport(shared));
  m.addFunction(['i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => emitForward(f, g), 'forwardTable');
  m.addFunction(['i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => emitInputGrad(f, g), 'inputGradTable');
  return m.build();
}

function emitForward(f: FunctionBuilder, g: ConvGeometry): void {
  const T = g.kh * g.kw;
  const [ind, x, zero, start, end] = params(f, 5);
  const [r, n, oh, ow, ih, iw, pi] = i32Locals(f, 7);
  f.get(start).set(r);
  f.forRange(r, end, 1, () => {
    f.get(r).i32Const(g.outH).i32DivU().set(n);
    f.get(r).get(n).i32Const(g.outH).i32Mul().i32Sub().set(oh);
    f.get(ind).get(r).i32Const(g.outW * T * 4).i32Mul().i32Add().set(pi);
    f.i32Const(0).set(ow);
    f.forRange(ow, g.outW, 1, () => {
      for (let i = 0; i < g.kh; i++) {
        f.get(oh).i32Const(g.sh).i32Mul().i32Const(i * g.dh - g.top).i32Add().set(ih);
        for (let j = 0; j < g.kw; j++) {
          f.get(ow).i32Const(g.sw).i32Mul().i32Const(j * g.dw - g.left).i32Add().set(iw);
          // Unsigned comparisons: a negative index is huge, so one test covers both edges.
          f.get(ih).i32Const(g.inH).i32LtU().get(iw).i32Const(g.inW).i32LtU().i32And().if(
            () => {
              f.get(pi);
              f.get(n).i32Const(g.inH).i32Mul().get(ih).i32Add().i32Const(g.inW).i32Mul().get(iw).i32Add().i32Const(g.inC * 4).i32Mul().get(x).i32Add();
              f.i32Store({ offset: (i * g.kw + j) * 4 });
            },
            () => { f.get(pi).get(zero).i32Store({ offset: (i * g.kw + j) * 4 }); },
          );
        }
      }
      f.get(pi).i32Const(T * 4).i32Add().set(pi);
    });
  });
}

/** out = (in + pad − tap·dil) / stride where that is a whole index in [0, size), else −1. */
function source(f: FunctionBuilder, input: Local<'i32'>, shift: number, stride: number, size: number, out: Local<'i32'>): void {
  f.get(input).i32Const(shift).i32Add().set(out);
  f.get(out).i32Const(0).i32LtS().if(() => { f.i32Const(-1).set(out); }, () => {
    if (stride > 1) {
      f.get(out).i32Const(stride).i32RemU().if(() => { f.i32Const(-1).set(out); }, () => { f.get(out).i32Const(stride).i32DivU().set(out); });
    }
    f.get(out).i32Const(size).i32GeS().if(() => { f.i32Const(-1).set(out); });
  });
}

function emitInputGrad(f: FunctionBuilder, g: ConvGeometry): void {
  const T = g.kh * g.kw;
  const [ind, dy, zero, start, end] = params(f, 5);
  const [r, n, ih, iw, oh, ow, pi] = i32Locals(f, 7);
  f.get(start).set(r);
  f.forRange(r, end, 1, () => {
    f.get(r).i32Const(g.inH).i32DivU().set(n);
    f.get(r).get(n).i32Const(g.inH).i32Mul().i32Sub().set(ih);
    f.get(ind).get(r).i32Const(g.inW * T * 4).i32Mul().i32Add().set(pi);
    f.i32Const(0).set(iw);
    f.forRange(iw, g.inW, 1, () => {
      for (let i = 0; i < g.kh; i++) {
        source(f, ih, g.top - i * g.dh, g.sh, g.outH, oh);
        for (let j = 0; j < g.kw; j++) {
          source(f, iw, g.left - j * g.dw, g.sw, g.outW, ow);
          f.get(oh).i32Const(0).i32GeS().get(ow).i32Const(0).i32GeS().i32And().if(
            () => {
              f.get(pi);
              f.get(n).i32Const(g.outH).i32Mul().get(oh).i32Add().i32Const(g.outW).i32Mul().get(ow).i32Add().i32Const(g.outC * 4).i32Mul().get(dy).i32Add();
              f.i32Store({ offset: (i * g.kw + j) * 4 });
            },
            () => { f.get(pi).get(zero).i32Store({ offset: (i * g.kw + j) * 4 }); },
          );
        }
      }
      f.get(pi).i32Const(T * 4).i32Add().set(pi);
    });
  });
}
