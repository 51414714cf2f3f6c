/**
 * Depthwise convolution in SIMD128, NHWC, four channels per vector, for a depth multiplier of 1
 * and C a multiple of 4 (every depthwise layer of MobileNet, EfficientNet and Xception; the
 * caller runs the TypeScript loops otherwise). With M = 1 output channel c is input channel c and
 * the filter [kh, kw, C, 1] is one C-vector per tap, so the three passes are the same loop:
 * along one row of the image, for each tap column j, a multiply-add of one pixel's C channels
 * against another's (or the tap's weights). Geometry is baked in as constants (cached per
 * shape), and so is, per tap column j, the range of output columns whose input column is inside
 * the image, so the inner loops test nothing. That tap-at-a-time loop goes through memory (a
 * load and a store of the output per tap); where every tap of a pixel is inside the image (all
 * but the border of a row whose taps' rows are all inside), the forward pass and the stride-1
 * input gradient instead sum the kh·kw taps in a register, unrolled, and store once: 2.5–3×
 * faster on MobileNetV2's layers.
 *
 * Exports, items split over threads (kernel-runner.ts):
 * - `forward(x, w, bias, out, start, end)`: items are output rows (n·outH + oh). The interior in
 *   registers; the rest of the row is set to the bias (or 0), every in-range tap is added, then
 *   ReLU if fused.
 * - `inputGrad(dy, w, dx, start, end)`: items are input rows (n·inH + ih). The interior in
 *   registers (stride 1); the rest of the row is zeroed, then for each tap row i whose output
 *   row oh = (ih + top − i·dh) / sh is whole and in range, dx[iw(ow)] += dy[ow] · w[i, j] over the
 *   same column ranges: a gather per input row, so no two items write the same bytes.
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
 * For tap column j: over output columns ow in its range (and in `clip`), with a = owRow + ow·C·4 (the tensor
 * indexed by output column: out or dy) and b = iwRow + iw·C·4 (indexed by input column: x or
 * dx), the role's multiply-add on every channel vector k:
 *   forward: a[k] += b[k]·tap[k];  inputGrad: b[k] += a[k]·tap[k];  filterGrad: tap[k] += b[k]·a[k].
 */
function columns(
  f: FunctionBuilder, g: ConvGeometry, j: number, role: Role,
  l: { owRow: I32; iwRow: I32; tap: I32; a: I32; b: I32; ow: I32; k: I32 },
  clip: readonly [number, number] = [0, g.outW],
): void {
  const [r0, r1] = columnRange(g, j);
  const [ow0, ow1] = [Math.max(r0, clip[0]), Math.min(r1, clip[1])];
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

/** Stores `value()` (a v128 pushed by the callback) into every vector of [base + from, base + to). */
function fillRow(f: FunctionBuilder, base: I32, [from, to]: readonly [number, number], q: I32, value: (q: I32) => void): void {
  if (to <= from) return;
  f.i32Const(from).set(q);
  f.forRange(q, to, 16, () => {
    f.get(base).get(q).i32Add();
    value(q);
    f.v128Store();
  });
}

function locals(f: FunctionBuilder) {
  const i32 = (): I32 => f.local('i32');
  return { owRow: i32(), iwRow: i32(), tap: i32(), a: i32(), b: i32(), ow: i32(), k: i32(), r: i32(), n: i32(), row: i32(), i: i32(), t: i32(), q: i32() };
}
type Locals = ReturnType<typeof locals>;

/** Output columns whose every tap column is inside the image: the intersection of the columnRanges. */
export function interiorColumns(g: ConvGeometry): [number, number] {
  let [lo, hi] = [0, g.outW];
  for (let j = 0; j < g.kw; j++) {
    const [a, b] = columnRange(g, j);
    [lo, hi] = [Math.max(lo, a), Math.min(hi, b)];
  }
  return [lo, Math.max(lo, hi)];
}

/**
 * The interior of a row, where every tap is inside the image: each output vector is summed in a
 * register over the kh·kw taps, unrolled with constant offsets from one base address per operand
 * (`a` walks the row written, `b` the row read at its first tap, `w` the filter), then stored once,
 * instead of a load and a store per tap. `tapOffset(i, j)` is tap (i, j)'s byte offset from `b`.
 */
function interior(
  f: FunctionBuilder, g: ConvGeometry, l: Locals, w: I32, [lo, hi]: readonly [number, number],
  step: { a: number; b: number }, tapOffset: (i: number, j: number) => number, first: (k: I32) => void, relu: boolean,
): void {
  const C4 = g.inC * 4;
  f.i32Const(lo).set(l.ow);
  f.forRange(l.ow, hi, 1, () => {
    f.i32Const(0).set(l.k);
    f.forRange(l.k, C4, 16, () => {
      f.get(l.a).get(l.k).i32Add();
      first(l.k);
      f.get(l.b).get(l.k).i32Add().set(l.q);
      f.get(w).get(l.k).i32Add().set(l.t);
      for (let i = 0; i < g.kh; i++) {
        for (let j = 0; j < g.kw; j++) {
          f.get(l.q).v128Load({ offset: tapOffset(i, j) }).get(l.t).v128Load({ offset: (i * g.kw + j) * C4 }).f32x4Mul().f32x4Add();
        }
      }
      if (relu) f.f32x4Const([0, 0, 0, 0]).f32x4Max();
      f.v128Store();
    });
    f.get(l.a).i32Const(step.a).i32Add().set(l.a);
    f.get(l.b).i32Const(step.b).i32Add().set(l.b);
  });
}

function emitForward(f: FunctionBuilder, g: ConvGeometry, v: DepthwiseVariant): void {
  const [x, w, bias, out, start, end] = [0, 1, 2, 3, 4, 5].map((i) => f.param(i, 'i32')) as I32[];
  const l = locals(f);
  const C4 = g.inC * 4;
  const zero = (): void => void f.f32x4Const([0, 0, 0, 0]);
  const initial = (k: I32): void => (v.bias ? void f.get(bias!).get(k).i32Add().v128Load() : zero());
  /** Columns [lo, hi) of the row, one tap at a time through memory: bias, every in-image tap, ReLU. */
  const byTaps = ([lo, hi]: readonly [number, number]): void => {
    if (hi <= lo) return;
    // The bias of channel k sits at bias + k; walk whole pixels.
    f.i32Const(lo * C4).set(l.q);
    f.forRange(l.q, hi * C4, C4, () => {
      f.i32Const(0).set(l.k);
      f.forRange(l.k, C4, 16, () => {
        f.get(l.owRow).get(l.q).i32Add().get(l.k).i32Add();
        initial(l.k);
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
          columns(f, g, j, 'forward', l, [lo, hi]);
        }
      });
    });
    if (v.relu) fillRow(f, l.owRow, [lo * C4, hi * C4], l.q, (q) => void f.get(l.owRow).get(q).i32Add().v128Load().f32x4Const([0, 0, 0, 0]).f32x4Max());
  };
  const [ia, ib] = interiorColumns(g);
  f.get(start!).set(l.r);
  f.forRange(l.r, end!, 1, () => {
    f.get(l.r).i32Const(g.outH).i32DivU().set(l.n);
    f.get(l.r).get(l.n).i32Const(g.outH).i32Mul().i32Sub().set(l.row); // oh
    f.get(out!).get(l.r).i32Const(g.outW * C4).i32Mul().i32Add().set(l.owRow);
    if (ib <= ia) return byTaps([0, g.outW]);
    // A row whose kh input rows are all inside the image: edges by taps, the interior in registers.
    f.get(l.row).i32Const(g.sh).i32Mul().i32Const(g.top).i32Sub().set(l.t); // first input row
    f.get(l.t).i32Const(0).i32GeS().get(l.t).i32Const((g.kh - 1) * g.dh).i32Add().i32Const(g.inH).i32LtS().i32And();
    f.if(
      () => {
        f.get(x!).get(l.n).i32Const(g.inH).i32Mul().get(l.t).i32Add().i32Const(g.inW).i32Mul().i32Const(ia * g.sw - g.left).i32Add().i32Const(C4).i32Mul().i32Add().set(l.b);
        f.get(l.owRow).i32Const(ia * C4).i32Add().set(l.a);
        interior(f, g, l, w!, [ia, ib], { a: C4, b: g.sw * C4 }, (i, j) => (i * g.dh * g.inW + j * g.dw) * C4, initial, v.relu);
        byTaps([0, ia]);
        byTaps([ib, g.outW]);
      },
      () => byTaps([0, g.outW]),
    );
  });
}

function emitInputGrad(f: FunctionBuilder, g: ConvGeometry): void {
  const [dy, w, dx, start, end] = [0, 1, 2, 3, 4].map((i) => f.param(i, 'i32')) as I32[];
  const l = locals(f);
  const C4 = g.inC * 4;
  /** Input columns [lo, hi) of the row, zeroed, then each tap's dy·w added through memory. */
  const byTaps = ([lo, hi]: readonly [number, number]): void => {
    if (hi <= lo) return;
    fillRow(f, l.iwRow, [lo * C4, hi * C4], l.q, () => void f.f32x4Const([0, 0, 0, 0]));
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
          // Input column iw = ow·sw − left + j·dw lies in [lo, hi): clip in output columns.
          columns(f, g, j, 'inputGrad', l, [Math.ceil((lo + g.left - j * g.dw) / g.sw), Math.ceil((hi + g.left - j * g.dw) / g.sw)]);
        }
      });
    });
  };
  // With stride 1 every tap of an interior input cell reads dy at a constant offset from its last
  // tap's: input columns [ia, ib) and rows whose kh output rows are all in range gather in registers.
  const ia = Math.max(0, (g.kw - 1) * g.dw - g.left);
  const ib = Math.min(g.inW, g.outW - g.left);
  const registers = g.sh === 1 && g.sw === 1 && ib > ia;
  f.get(start!).set(l.r);
  f.forRange(l.r, end!, 1, () => {
    f.get(l.r).i32Const(g.inH).i32DivU().set(l.n);
    f.get(l.r).get(l.n).i32Const(g.inH).i32Mul().i32Sub().set(l.row); // ih
    f.get(dx!).get(l.r).i32Const(g.inW * C4).i32Mul().i32Add().set(l.iwRow);
    if (!registers) return byTaps([0, g.inW]);
    f.get(l.row).i32Const(g.top - (g.kh - 1) * g.dh).i32Add().set(l.t); // the last tap row's oh
    f.get(l.t).i32Const(0).i32GeS().get(l.row).i32Const(g.top).i32Add().i32Const(g.outH).i32LtS().i32And();
    f.if(
      () => {
        f.get(dy!).get(l.n).i32Const(g.outH).i32Mul().get(l.t).i32Add().i32Const(g.outW).i32Mul().i32Const(ia + g.left - (g.kw - 1) * g.dw).i32Add().i32Const(C4).i32Mul().i32Add().set(l.b);
        f.get(l.iwRow).i32Const(ia * C4).i32Add().set(l.a);
        const offset = (i: number, j: number): number => ((g.kh - 1 - i) * g.dh * g.outW + (g.kw - 1 - j) * g.dw) * C4;
        interior(f, g, l, w!, [ia, ib], { a: C4, b: C4 }, offset, () => void f.f32x4Const([0, 0, 0, 0]), false);
        byTaps([0, ia]);
        byTaps([ib, g.inW]);
      },
      () => byTaps([0, g.inW]),
    );
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
    fillRow(f, l.tap, [0, C4], l.q, () => void f.f32x4Const([0, 0, 0, 0]));
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
