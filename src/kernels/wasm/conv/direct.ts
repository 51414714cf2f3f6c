/**
 * Direct convolution in scalar WebAssembly, for every geometry (any stride, dilation, padding,
 * kernel size, channel count): what runs on an engine without SIMD128 (the implicit GEMM and
 * Winograd need it), and the simplest statement of what each pass computes, which tests force
 * and check. The geometry is baked in as constants. Also home of the small emission helpers the
 * other generators share (typed parameter and local tuples).
 *
 * Exports, each with trailing (start, end) over independent items:
 *   forward(x, w, b, y, start, end)        item = an output row (n, oh): y[n, oh, :, :]
 *   inputGrad(dy, w, dx, start, end)       item = an input row (n, ih): dx[n, ih, :, :]
 *   filterGrad(x, dy, dw, start, end)      item = a filter row (i, j, ci): dw[i, j, ci, :]
 */
import { memoryImport } from '../memory-import.js';
import { ModuleBuilder, type FunctionBuilder, type Local } from '../module-builder.js';
import type { ConvGeometry } from './geometry.js';

/** `for (counter = from; counter < to; counter++) body`, with `to` a constant or a local. */
function count(f: FunctionBuilder, counter: Local<'i32'>, from: number, to: number | Local<'i32'>, body: () => void): void {
  f.i32Const(from).set(counter);
  f.forRange(counter, to, 1, body);
}

/** A tuple of `N` elements of `T` (so destructuring is typed without undefined). */
export type Tuple<T, N extends number, R extends T[] = []> = R['length'] extends N ? R : Tuple<T, N, [T, ...R]>;

/** The first `n` parameters, all i32. */
export function params<N extends number>(f: FunctionBuilder, n: N): Tuple<Local<'i32'>, N> {
  return Array.from({ length: n }, (_, k) => f.param(k, 'i32')) as Tuple<Local<'i32'>, N>;
}

/** `n` new i32 locals. */
export function i32Locals<N extends number>(f: FunctionBuilder, n: N): Tuple<Local<'i32'>, N> {
  return Array.from({ length: n }, () => f.local('i32')) as Tuple<Local<'i32'>, N>;
}

/** The module exporting forward, inputGrad and filterGrad for `g` (bias and ReLU as given). */
export function directConvModule(g: ConvGeometry, bias: boolean, relu: boolean, shared: boolean): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder();
  m.importMemory(memoryImport(shared));
  m.addFunction(['i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => emitForward(f, g, bias, relu), 'forward');
  m.addFunction(['i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => emitInputGrad(f, g), 'inputGrad');
  m.addFunction(['i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => emitFilterGrad(f, g), 'filterGrad');
  return m.build();
}

function emitForward(f: FunctionBuilder, g: ConvGeometry, hasBias: boolean, relu: boolean): void {
  const [x, w, b, y, start, end] = params(f, 6);
  const [r, n, oh, ow, i, j, ci, co, ih, iw, px, pw, py] = i32Locals(f, 13);
  const xv = f.local('f32');
  const rowBytes = g.outW * g.outC * 4;
  f.get(start).set(r);
  f.forRange(r, end, 1, () => {
    f.get(r).i32Const(g.outH).i32DivU().set(n);
    f.get(r).get(n).i32Const(g.outH).i32Mul().i32Sub().set(oh);
    f.get(y).get(r).i32Const(rowBytes).i32Mul().i32Add().set(py);
    count(f, ow, 0, g.outW, () => {
      count(f, co, 0, g.outC, () => {
        f.get(py).get(co).i32Const(4).i32Mul().i32Add();
        if (hasBias) f.get(b).get(co).i32Const(4).i32Mul().i32Add().f32Load();
        else f.f32Const(0);
        f.f32Store();
      });
      count(f, i, 0, g.kh, () => {
        f.get(oh).i32Const(g.sh).i32Mul().get(i).i32Const(g.dh).i32Mul().i32Add().i32Const(g.top).i32Sub().tee(ih);
        // Unsigned: a negative row is huge, so one comparison rejects both edges.
        f.i32Const(g.inH).i32LtU().if(() => {
          count(f, j, 0, g.kw, () => {
            f.get(ow).i32Const(g.sw).i32Mul().get(j).i32Const(g.dw).i32Mul().i32Add().i32Const(g.left).i32Sub().tee(iw);
            f.i32Const(g.inW).i32LtU().if(() => {
              f.get(n).i32Const(g.inH).i32Mul().get(ih).i32Add().i32Const(g.inW).i32Mul().get(iw).i32Add();
              f.i32Const(g.inC * 4).i32Mul().get(x).i32Add().set(px);
              f.get(i).i32Const(g.kw).i32Mul().get(j).i32Add().i32Const(g.inC * g.outC * 4).i32Mul().get(w).i32Add().set(pw);
              count(f, ci, 0, g.inC, () => {
                f.get(px).f32Load().set(xv);
                count(f, co, 0, g.outC, () => {
                  f.get(py).get(co).i32Const(4).i32Mul().i32Add();
                  f.get(py).get(co).i32Const(4).i32Mul().i32Add().f32Load();
                  f.get(xv).get(pw).f32Load().f32Mul().f32Add().f32Store();
                  f.get(pw).i32Const(4).i32Add().set(pw);
                });
                f.get(px).i32Const(4).i32Add().set(px);
              });
            });
          });
        });
      });
      if (relu) {
        count(f, co, 0, g.outC, () => {
          f.get(py).get(co).i32Const(4).i32Mul().i32Add();
          f.get(py).get(co).i32Const(4).i32Mul().i32Add().f32Load().f32Const(0).f32Max().f32Store();
        });
      }
      f.get(py).i32Const(g.outC * 4).i32Add().set(py);
    });
  });
}

/**
 * Output index of input index `inIndex` through tap `tap`: t = in + pad − tap·dilation must be a
 * non-negative multiple of the stride below the output size. Leaves the i32 condition on the stack
 * and the index in `out`.
 */
function tapSource(f: FunctionBuilder, inIndex: Local<'i32'>, tap: Local<'i32'>, pad: number, dil: number, stride: number, size: number, t: Local<'i32'>, out: Local<'i32'>, body: () => void): void {
  f.get(inIndex).i32Const(pad).i32Add().get(tap).i32Const(dil).i32Mul().i32Sub().tee(t);
  f.i32Const(0).i32GeS().if(() => {
    const inRange = (): void => {
      f.get(out).i32Const(size).i32LtU().if(body);
    };
    if (stride === 1) {
      f.get(t).set(out);
      inRange();
    } else {
      f.get(t).i32Const(stride).i32RemU().i32Eqz().if(() => {
        f.get(t).i32Const(stride).i32DivU().set(out);
        inRange();
      });
    }
  });
}

function emitInputGrad(f: FunctionBuilder, g: ConvGeometry): void {
  const [dy, w, dx, start, end] = params(f, 5);
  const [r, n, ih, iw, i, j, ci, co, oh, ow, t, pdy, pw, pdx] = i32Locals(f, 14);
  const s = f.local('f32');
  f.get(start).set(r);
  f.forRange(r, end, 1, () => {
    f.get(r).i32Const(g.inH).i32DivU().set(n);
    f.get(r).get(n).i32Const(g.inH).i32Mul().i32Sub().set(ih);
    f.get(dx).get(r).i32Const(g.inW * g.inC * 4).i32Mul().i32Add().set(pdx);
    count(f, iw, 0, g.inW, () => {
      count(f, ci, 0, g.inC, () => {
        f.get(pdx).get(ci).i32Const(4).i32Mul().i32Add().f32Const(0).f32Store();
      });
      count(f, i, 0, g.kh, () => {
        tapSource(f, ih, i, g.top, g.dh, g.sh, g.outH, t, oh, () => {
          count(f, j, 0, g.kw, () => {
            tapSource(f, iw, j, g.left, g.dw, g.sw, g.outW, t, ow, () => {
              f.get(n).i32Const(g.outH).i32Mul().get(oh).i32Add().i32Const(g.outW).i32Mul().get(ow).i32Add();
              f.i32Const(g.outC * 4).i32Mul().get(dy).i32Add().set(pdy);
              f.get(i).i32Const(g.kw).i32Mul().get(j).i32Add().i32Const(g.inC * g.outC * 4).i32Mul().get(w).i32Add().set(pw);
              count(f, ci, 0, g.inC, () => {
                f.f32Const(0).set(s);
                count(f, co, 0, g.outC, () => {
                  f.get(s).get(pdy).get(co).i32Const(4).i32Mul().i32Add().f32Load().get(pw).f32Load().f32Mul().f32Add().set(s);
                  f.get(pw).i32Const(4).i32Add().set(pw);
                });
                f.get(pdx).get(ci).i32Const(4).i32Mul().i32Add();
                f.get(pdx).get(ci).i32Const(4).i32Mul().i32Add().f32Load().get(s).f32Add().f32Store();
              });
            });
          });
        });
      });
      f.get(pdx).i32Const(g.inC * 4).i32Add().set(pdx);
    });
  });
}

function emitFilterGrad(f: FunctionBuilder, g: ConvGeometry): void {
  const [x, dy, dw, start, end] = params(f, 5);
  const [r, tap, i, j, ci, n, oh, ow, ih, iw, co, pdy, pdw] = i32Locals(f, 13);
  const xv = f.local('f32');
  f.get(start).set(r);
  f.forRange(r, end, 1, () => {
    f.get(r).i32Const(g.inC).i32DivU().set(tap);
    f.get(r).get(tap).i32Const(g.inC).i32Mul().i32Sub().set(ci);
    f.get(tap).i32Const(g.kw).i32DivU().set(i);
    f.get(tap).get(i).i32Const(g.kw).i32Mul().i32Sub().set(j);
    f.get(dw).get(r).i32Const(g.outC * 4).i32Mul().i32Add().set(pdw);
    count(f, co, 0, g.outC, () => {
      f.get(pdw).get(co).i32Const(4).i32Mul().i32Add().f32Const(0).f32Store();
    });
    count(f, n, 0, g.batch, () => {
      count(f, oh, 0, g.outH, () => {
        f.get(oh).i32Const(g.sh).i32Mul().get(i).i32Const(g.dh).i32Mul().i32Add().i32Const(g.top).i32Sub().tee(ih);
        f.i32Const(g.inH).i32LtU().if(() => {
          count(f, ow, 0, g.outW, () => {
            f.get(ow).i32Const(g.sw).i32Mul().get(j).i32Const(g.dw).i32Mul().i32Add().i32Const(g.left).i32Sub().tee(iw);
            f.i32Const(g.inW).i32LtU().if(() => {
              f.get(n).i32Const(g.inH).i32Mul().get(ih).i32Add().i32Const(g.inW).i32Mul().get(iw).i32Add();
              f.i32Const(g.inC).i32Mul().get(ci).i32Add().i32Const(4).i32Mul().get(x).i32Add().f32Load().set(xv);
              f.get(n).i32Const(g.outH).i32Mul().get(oh).i32Add().i32Const(g.outW).i32Mul().get(ow).i32Add();
              f.i32Const(g.outC * 4).i32Mul().get(dy).i32Add().set(pdy);
              count(f, co, 0, g.outC, () => {
                f.get(pdw).get(co).i32Const(4).i32Mul().i32Add();
                f.get(pdw).get(co).i32Const(4).i32Mul().i32Add().f32Load();
                f.get(xv).get(pdy).f32Load().f32Mul().f32Add().f32Store();
                f.get(pdy).i32Const(4).i32Add().set(pdy);
              });
            });
          });
        });
      });
    });
  });
}
