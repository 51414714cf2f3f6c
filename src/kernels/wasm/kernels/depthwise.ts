/**
 * Depthwise convolution in SIMD128, NHWC, four channels per vector, for a depth multiplier of 1
 * and C a multiple of 4 (every depthwise layer of MobileNet, EfficientNet and Xception; the
 * caller runs the TypeScript loops otherwise). With M = 1 output channel c is input channel c and
 * the filter [kh, kw, C, 1] is one C-vector per tap, so the three passes are the same loop:
 * along one row of the image, for each tap column j, a multiply-add of one pixel's C channels
 * against another's (or the tap's weights). Geometry is baked in as constants (cached per
 * shape), and so is, per tap column j, the range of output columns whose input column is inside
 * the image, so the inner loops test nothing.
 *
 * Exports, items split over threads (kernel-runner.ts):
 * - `forward(x, w, bias, out, start, end)`: items are output rows (n·outH + oh). A row of out is
 *   set to the bias (or 0), every in-range tap is added, then ReLU if fused.
 * - `inputGrad(dy, w, dx, start, end)`: items are input rows (n·inH + ih). A row of dx is zeroed,
 *   then for each tap row i whose output row oh = (ih + top − i·dh) / sh is whole and in range,
 *   dx[iw(ow)] += dy[ow] · w[i, j] over the same column ranges: a gather per input row, so no two
 *   items write the same bytes.
 * - `filterGrad(x, dy, dw, rows, start, end)`: items are taps (i·kw + j), rows = N·outH. The tap's
 *   C weights accumulate x[ih, iw(ow)] · dy[oh, ow] over every output pixel.
 */
import type { ConvGeometry } from '../../conv-geometry.js';
import { ModuleBuilder, type FunctionBuilder, type Local } from '../module-builder.js';
import { memoryImportFor, memoryKind } from '../memory-import.js';
import { cachedModule } from '../module-cache.js';

type I32 = Local<'i32'>;

export interface DepthwiseVariant {
  bias: boolean;
  relu: boolean;
}

/** Output columns [ow0, ow1) whose input column ow·sw − left + j·dw is inside [0, inW). */
export function columnRange(g: ConvGeometry, j: number): [number, number] {
  const shift = g.left - j * g.dw;
  const ow0 = Math.max(0, Math.ceil(shift / g.sw));
  const ow1 = Math.min(g.outW, Math.floor((g.inW - 1 + shift) / g.sw) + 1);
  return [ow0, Math.max(ow0, ow1)];
}

type Role = 'forward' | 'inputGrad' | 'filterGrad';

/**
 * For tap column j: over output columns ow in its range, with a = owRow + ow·C·4 (the tensor
 * indexed by output column: out or dy) and b = iwRow + iw·C·4 (indexed by input column: x or
 * dx), the role's multiply-add on every channel vector k:
 *   forward: a[k] += b[k]·tap[k];  inputGrad: b[k] += a[k]·tap[k];  filterGrad: tap[k] += b[k]·a[k].
 */
function columns(f: FunctionBuilder, g: ConvGeometry, j: number, role: Role, l: { owRow: I32; iwRow: I32; tap: I32; a: I32; b: I32; ow: I32; k: I32 }): void {
  const [ow0, ow1] = columnRange(g, j);
  if (ow1 <= ow0) return;
  const C4 = g.inC * 4;
  const dst = role === 'forward' ? l.a : role === 'inputGrad' ? l.b : l.tap;
  const [s1, s2] = role === 'forward' ? [l.b, l.tap] : role === 'inputGrad' ? [l.a, l.tap] : [l.b, l.a];
  f.get(l.owRow).i32Const(ow0 * C4).i32Add().set(l.a);
  f.get(l.iwRow).i32Const((ow0 * g.sw - g.left + j * g.dw) * C4).i32Add().set(l.b);
  f.i32Const(ow0).set(l.ow);
  f.forRange(l.ow, ow1, 1, () => {
    f.i32Const(0).set(l.k);
    f.forRange(l.k, C4, 16, () => {
      f.get(dst).get(l.k).i32Add();
      f.get(dst).get(l.k).i32Add().v128Load();
      f.get(s1).get(l.k).i32Add().v128Load();
      f.get(s2).get(l.k).i32Add().v128Load();
      f.f32x4Mul().f32x4Add().v128Store();
    });
    f.get(l.a).i32Const(C4).i32Add().set(l.a);
    f.get(l.b).i32Const(g.sw * C4).i32Add().set(l.b);
  });
}

/** Stores `value()` (a v128 pushed by the callback) into every vector of [base, base + bytes). */
function fillRow(f: FunctionBuilder, base: I32, bytes: number, q: I32, value: (q: I32) => void): void {
  f.i32Const(0).set(q);
  f.forRange(q, bytes, 16, () => {
    f.get(base).get(q).i32Add();
    value(q);
    f.v128Store();
  });
}

function locals(f: FunctionBuilder) {
  const i32 = (): I32 => f.local('i32');
  return { owRow: i32(), iwRow: i32(), tap: i32(), a: i32(), b: i32(), ow: i32(), k: i32(), r: i32(), n: i32(), row: i32(), i: i32(), t: i32(), q: i32() };
}

function emitForward(f: FunctionBuilder, g: ConvGeometry, v: DepthwiseVariant): void {
  const [x, w, bias, out, start, end] = [0, 1, 2, 3, 4, 5].map((i) => f.param(i, 'i32')) as I32[];
  const l = locals(f);
  const C4 = g.inC * 4;
  const rowBytes = g.outW * C4;
  f.get(start!).set(l.r);
  f.forRange(l.r, end!, 1, () => {
    f.get(l.r).i32Const(g.outH).i32DivU().set(l.n);
    f.get(l.r).get(l.n).i32Const(g.outH).i32Mul().i32Sub().set(l.row); // oh
    f.get(out!).get(l.r).i32Const(rowBytes).i32Mul().i32Add().set(l.owRow);
    // The bias of channel k sits at bias + (q mod C·4); a row is whole pixels, so walk pixels.
    f.i32Const(0).set(l.q);
    f.forRange(l.q, rowBytes, C4, () => {
      f.i32Const(0).set(l.k);
      f.forRange(l.k, C4, 16, () => {
        f.get(l.owRow).get(l.q).i32Add().get(l.k).i32Add();
        if (v.bias) f.get(bias!).get(l.k).i32Add().v128Load();
        else f.f32x4Const([0, 0, 0, 0]);
        f.v128Store();
      });
    });
    f.i32Const(0).set(l.i);
    f.forRange(l.i, g.kh, 1, () => {
      // ih = oh·sh − top + i·dh; unsigned < inH also rejects negatives.
      f.get(l.row).i32Const(g.sh).i32Mul().i32Const(g.top).i32Sub().get(l.i).i32Const(g.dh).i32Mul().i32Add().set(l.t);
      f.get(l.t).i32Const(g.inH).i32LtU().if(() => {
        f.get(x!).get(l.n).i32Const(g.inH).i32Mul().get(l.t).i32Add().i32Const(g.inW * C4).i32Mul().i32Add().set(l.iwRow);
        for (let j = 0; j < g.kw; j++) {
          f.get(w!).get(l.i).i32Const(g.kw * C4).i32Mul().i32Add().i32Const(j * C4).i32Add().set(l.tap);
          columns(f, g, j, 'forward', l);
        }
      });
    });
    if (v.relu) fillRow(f, l.owRow, rowBytes, l.q, (q) => void f.get(l.owRow).get(q).i32Add().v128Load().f32x4Const([0, 0, 0, 0]).f32x4Max());
  });
}

function emitInputGrad(f: FunctionBuilder, g: ConvGeometry): void {
  const [dy, w, dx, start, end] = [0, 1, 2, 3, 4].map((i) => f.param(i, 'i32')) as I32[];
  const l = locals(f);
  const C4 = g.inC * 4;
  f.get(start!).set(l.r);
  f.forRange(l.r, end!, 1, () => {
    f.get(l.r).i32Const(g.inH).i32DivU().set(l.n);
    f.get(l.r).get(l.n).i32Const(g.inH).i32Mul().i32Sub().set(l.row); // ih
    f.get(dx!).get(l.r).i32Const(g.inW * C4).i32Mul().i32Add().set(l.iwRow);
    fillRow(f, l.iwRow, g.inW * C4, l.q, () => void f.f32x4Const([0, 0, 0, 0]));
    f.i32Const(0).set(l.i);
    f.forRange(l.i, g.kh, 1, () => {
      // t = ih + top − i·dh must be a whole stride's multiple inside the output: oh = t / sh.
      f.get(l.row).i32Const(g.top).i32Add().get(l.i).i32Const(g.dh).i32Mul().i32Sub().set(l.t);
      f.get(l.t).i32Const(0).i32GeS();
      f.get(l.t).i32Const(g.sh).i32RemU().i32Eqz().i32And();
      f.get(l.t).i32Const(g.sh).i32DivU().i32Const(g.outH).i32LtU().i32And();
      f.if(() => {
        f.get(dy!).get(l.n).i32Const(g.outH).i32Mul().get(l.t).i32Const(g.sh).i32DivU().i32Add().i32Const(g.outW * C4).i32Mul().i32Add().set(l.owRow);
        for (let j = 0; j < g.kw; j++) {
          f.get(w!).get(l.i).i32Const(g.kw * C4).i32Mul().i32Add().i32Const(j * C4).i32Add().set(l.tap);
          columns(f, g, j, 'inputGrad', l);
        }
      });
    });
  });
}

function emitFilterGrad(f: FunctionBuilder, g: ConvGeometry): void {
  const [x, dy, dw, rows, start, end] = [0, 1, 2, 3, 4, 5].map((i) => f.param(i, 'i32')) as I32[];
  const l = locals(f);
  const C4 = g.inC * 4;
  f.get(start!).set(l.t);
  f.forRange(l.t, end!, 1, () => {
    f.get(l.t).i32Const(g.kw).i32DivU().set(l.i);
    f.get(dw!).get(l.t).i32Const(C4).i32Mul().i32Add().set(l.tap);
    fillRow(f, l.tap, C4, l.q, () => void f.f32x4Const([0, 0, 0, 0]));
    f.i32Const(0).set(l.r);
    f.forRange(l.r, rows!, 1, () => {
      f.get(l.r).i32Const(g.outH).i32DivU().set(l.n);
      // ih = oh·sh − top + i·dh with oh = r − n·outH
      f.get(l.r).get(l.n).i32Const(g.outH).i32Mul().i32Sub().i32Const(g.sh).i32Mul().i32Const(g.top).i32Sub();
      f.get(l.i).i32Const(g.dh).i32Mul().i32Add().set(l.row);
      f.get(l.row).i32Const(g.inH).i32LtU().if(() => {
        f.get(x!).get(l.n).i32Const(g.inH).i32Mul().get(l.row).i32Add().i32Const(g.inW * C4).i32Mul().i32Add().set(l.iwRow);
        f.get(dy!).get(l.r).i32Const(g.outW * C4).i32Mul().i32Add().set(l.owRow);
        for (let j = 0; j < g.kw; j++) {
          // This item's tap column: t − i·kw.
          f.get(l.t).get(l.i).i32Const(g.kw).i32Mul().i32Sub().i32Const(j).i32Eq().if(() => columns(f, g, j, 'filterGrad', l));
        }
      });
    });
  });
}

export function depthwiseModule(g: ConvGeometry, v: DepthwiseVariant, memory: WebAssembly.Memory): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder().importMemory(memoryImportFor(memory));
  const i32s = (n: number): 'i32'[] => Array.from({ length: n }, () => 'i32' as const);
  m.addFunction(i32s(6), [], (f) => emitForward(f, g, v), 'forward');
  m.addFunction(i32s(5), [], (f) => emitInputGrad(f, g), 'inputGrad');
  m.addFunction(i32s(6), [], (f) => emitFilterGrad(f, g), 'filterGrad');
  return m.build();
}

/** The compiled module for this geometry (the batch is not baked in), variant and memory kind, once per process. */
export function depthwiseKernelModule(g: ConvGeometry, v: DepthwiseVariant, memory: WebAssembly.Memory): { key: string; module: WebAssembly.Module } {
  const sizes = [g.inH, g.inW, g.inC, g.kh, g.kw, g.outH, g.outW, g.sh, g.sw, g.dh, g.dw, g.top, g.left].join(',');
  const key = `depthwise:${sizes}:b${+v.bias}r${+v.relu}:${memoryKind(memory)}`;
  return { key, module: cachedModule(key, () => depthwiseModule(g, v, memory)) };
}
