/**
 * Winograd F(m×m, 3×3) for 3×3, stride-1, dilation-1 convolutions (Lavin & Gray's algorithm):
 * each m×m tile of output is A^T [(G g G^T) ⊙ (B^T d B)] A, with d the α×α (α = m + 2) input
 * patch and g the 3×3 filter of one (input, output) channel pair. Summed over input channels, the
 * element-wise products become α² independent GEMMs of (tiles × Cin)·(Cin × Cout), run by the
 * batched indirect GEMM (igemm.ts); the transforms here are straight-line SIMD code over 4
 * channels at a time with the matrices' entries as constants (±1 and 0 cost no multiply).
 * F(2×2) needs 2.25× fewer multiplies than direct convolution, F(4×4) 4× (before transforms);
 * F(4×4)'s larger constants cost accuracy (see docs/benchmarks.md for the measured error).
 *
 * Exports (trailing start, end):
 *   filterTransform(src, u, start, end)    u[ξν, k, n] = (G g G^T)[ξ, ν], g[i, j] = src[tap(i, j), k, n];
 *                                           tap(i, j) = 3i + j, or 3(2−i) + (2−j) flipped. Written
 *                                           in the GEMM's panel layout (igemm.ts), per ξν; items =
 *                                           column blocks of `panel` n.
 *   inputTransform(pad, v, start, end)      v[ξν, tile, c] = (B^T d B)[ξ, ν] from the zero-padded
 *                                           input; items = tile rows (n, th).
 *   outputTransform(mm, bias, y, start, end) y tile = A^T M A (+ bias, ReLU), cropped to the output;
 *                                           items = tile rows (n, th).
 */
import { memoryImport } from '../memory-import.js';
import { ModuleBuilder, type FunctionBuilder, type Local } from '../module-builder.js';
import { i32Locals, params } from './direct.js';

type Matrix = readonly (readonly number[])[];

/** F(2×2, 3×3). */
const F2 = {
  BT: [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
  G: [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]],
  AT: [[1, 1, 1, 0], [0, 1, -1, -1]],
};

/** F(4×4, 3×3), interpolation points 0, ±1, ±2, ∞. */
const F4 = {
  BT: [
    [4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
    [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1],
  ],
  G: [
    [1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6],
    [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1],
  ],
  AT: [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]],
};

export type WinogradTile = 2 | 4;

export function transforms(m: WinogradTile): { BT: Matrix; G: Matrix; AT: Matrix } {
  return m === 2 ? F2 : F4;
}

/** The sizes the transforms bake in. `src` is the convolution's input (x, or dy for the input gradient). */
export interface WinogradShape {
  m: WinogradTile;
  batch: number;
  /** Output rows and columns. */
  outH: number;
  outW: number;
  /** Channels in (K of the GEMMs) and out (N). */
  K: number;
  N: number;
  /** The zero-padded input's rows and columns: tiles·m + 2. */
  padH: number;
  padW: number;
  flip: boolean;
  /** Column width of the GEMM's panels (a power of two; N is a multiple of it). */
  panel: number;
  bias: boolean;
  relu: boolean;
}

/**
 * Bytes from one ξν plane of U, V or M to the next: the floats plus one cache line, so that the α²
 * planes (whose sizes are often multiples of 4 KiB) fall in different cache sets; written and
 * read 64 bytes at a time in step, 36 planes in one set thrashed it (F(4×4)'s filter transform
 * ran 6× slower).
 */
export function planeBytes(floats: number): number {
  return floats * 4 + 64;
}

export function planes(s: Pick<WinogradShape, 'm' | 'batch' | 'outH' | 'outW' | 'K' | 'N'>): { u: number; v: number; mm: number } {
  const { tiles } = tileCounts(s);
  return { u: planeBytes(s.K * s.N), v: planeBytes(tiles * s.K), mm: planeBytes(tiles * s.N) };
}

export function tileCounts(s: Pick<WinogradShape, 'm' | 'batch' | 'outH' | 'outW'>): { th: number; tw: number; tiles: number } {
  const th = Math.ceil(s.outH / s.m);
  const tw = Math.ceil(s.outW / s.m);
  return { th, tw, tiles: s.batch * th * tw };
}

/** out = Σ_j c_j · in_j over the non-zero c_j, in v128 (a coefficient of ±1 costs no multiply). */
function combine(f: FunctionBuilder, coefficients: readonly number[], input: (j: number) => void): void {
  let first = true;
  coefficients.forEach((c, j) => {
    if (c === 0) return;
    input(j);
    if (first) {
      if (c !== 1) f.f32x4Const([c, c, c, c]).f32x4Mul();
      first = false;
      return;
    }
    const a = Math.abs(c);
    if (a !== 1) f.f32x4Const([a, a, a, a]).f32x4Mul();
    if (c > 0) f.f32x4Add();
    else f.f32x4Sub();
  });
  if (first) f.f32x4Const([0, 0, 0, 0]);
}

/** Y = L · X · R^T for v128 matrices of locals: X rows×cols, L (a × rows), R (b × cols). */
function sandwich(f: FunctionBuilder, L: Matrix, X: Local<'v128'>[][], R: Matrix, tmp: Local<'v128'>[][], Y: Local<'v128'>[][]): void {
  const cols = X[0]!.length;
  L.forEach((row, a) => {
    for (let c = 0; c < cols; c++) {
      combine(f, row, (j) => f.get(X[j]![c]!));
      f.set(tmp[a]![c]!);
    }
  });
  L.forEach((_, a) => {
    R.forEach((rrow, b) => {
      combine(f, rrow, (j) => f.get(tmp[a]![j]!));
      f.set(Y[a]![b]!);
    });
  });
}

function grid(f: FunctionBuilder, rows: number, cols: number): Local<'v128'>[][] {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => f.local('v128')));
}

export function winogradModule(s: WinogradShape, shared: boolean): Uint8Array<ArrayBuffer> {
  if ((s.panel & (s.panel - 1)) !== 0 || s.N % s.panel !== 0 || s.K % 4 !== 0) {
    throw new Error(`winograd: ${s.K}→${s.N} channels do not fill panels of ${s.panel}`);
  }
  const mb = new ModuleBuilder();
  mb.importMemory(memoryImport(shared));
  mb.addFunction(['i32', 'i32', 'i32', 'i32'], [], (f) => emitFilterTransform(f, s), 'filterTransform');
  mb.addFunction(['i32', 'i32', 'i32', 'i32'], [], (f) => emitInputTransform(f, s), 'inputTransform');
  mb.addFunction(['i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => emitOutputTransform(f, s), 'outputTransform');
  return mb.build();
}

/**
 * Items are the GEMM's column blocks (panel-wide strips of n): for each k the strip's α² panel
 * rows are written as 64 contiguous bytes each, so every ξν plane is one sequential stream.
 * (Item = k, sweeping n, wrote 16-byte pieces 32 KiB apart, one cache set, 4 writes per line:
 * 10 ms for a 512×512 filter instead of ~2.)
 */
function emitFilterTransform(f: FunctionBuilder, s: WinogradShape): void {
  const { G } = transforms(s.m);
  const alpha = s.m + 2;
  const { K, N, panel } = s;
  const [src, u, start, end] = params(f, 4);
  const [cb, k, ps, pu] = i32Locals(f, 4);
  const g = grid(f, 3, 3);
  const tmp = grid(f, alpha, 3);
  const out = grid(f, alpha, alpha);
  f.get(start).set(cb);
  f.forRange(cb, end, 1, () => {
    // ps = &src[0, 0, cb·panel], pu = &u[0] panel cb, row 0.
    f.get(src).get(cb).i32Const(panel * 4).i32Mul().i32Add().set(ps);
    f.get(u).get(cb).i32Const(panel * K * 4).i32Mul().i32Add().set(pu);
    f.i32Const(0).set(k);
    f.forRange(k, K, 1, () => {
      for (let v = 0; v < panel / 4; v++) {
        for (let i = 0; i < 3; i++) {
          for (let j = 0; j < 3; j++) {
            const tap = s.flip ? 3 * (2 - i) + (2 - j) : 3 * i + j;
            f.get(ps).v128Load({ offset: tap * K * N * 4 + 16 * v, align: 2 }).set(g[i]![j]!);
          }
        }
        sandwich(f, G, g, G, tmp, out);
        for (let a = 0; a < alpha; a++) {
          for (let b = 0; b < alpha; b++) f.get(pu).get(out[a]![b]!).v128Store({ offset: (a * alpha + b) * planes(s).u + 16 * v, align: 2 });
        }
      }
      f.get(ps).i32Const(N * 4).i32Add().set(ps);
      f.get(pu).i32Const(panel * 4).i32Add().set(pu);
    });
  });
}

function emitInputTransform(f: FunctionBuilder, s: WinogradShape): void {
  const { BT } = transforms(s.m);
  const alpha = s.m + 2;
  const { m, K: C, padH, padW } = s;
  const { th: TH, tw: TW, tiles } = tileCounts(s);
  const [pad, v, start, end] = params(f, 4);
  const [r, n, th, tw, c, pp, pv] = i32Locals(f, 7);
  const d = grid(f, alpha, alpha);
  const tmp = grid(f, alpha, alpha);
  const out = grid(f, alpha, alpha);
  f.get(start).set(r);
  f.forRange(r, end, 1, () => {
    f.get(r).i32Const(TH).i32DivU().set(n);
    f.get(r).get(n).i32Const(TH).i32Mul().i32Sub().set(th);
    f.i32Const(0).set(tw);
    f.forRange(tw, TW, 1, () => {
      f.i32Const(0).set(c);
      f.forRange(c, C, 4, () => {
        // pp = &pad[n, th·m, tw·m, c]: the patch's corner; every element is a constant offset.
        f.get(n).i32Const(padH).i32Mul().get(th).i32Const(m).i32Mul().i32Add().i32Const(padW).i32Mul().get(tw).i32Const(m).i32Mul().i32Add();
        f.i32Const(C).i32Mul().get(c).i32Add().i32Const(4).i32Mul().get(pad).i32Add().set(pp);
        for (let a = 0; a < alpha; a++) {
          for (let b = 0; b < alpha; b++) f.get(pp).v128Load({ offset: (a * padW + b) * C * 4, align: 2 }).set(d[a]![b]!);
        }
        sandwich(f, BT, d, BT, tmp, out);
        // pv = &v[0, tile, c], tile = r·TW + tw.
        f.get(r).i32Const(TW).i32Mul().get(tw).i32Add().i32Const(C).i32Mul().get(c).i32Add().i32Const(4).i32Mul().get(v).i32Add().set(pv);
        for (let a = 0; a < alpha; a++) {
          for (let b = 0; b < alpha; b++) f.get(pv).get(out[a]![b]!).v128Store({ offset: (a * alpha + b) * planes(s).v, align: 2 });
        }
      });
    });
  });
}

function emitOutputTransform(f: FunctionBuilder, s: WinogradShape): void {
  const { AT } = transforms(s.m);
  const alpha = s.m + 2;
  const { m, N, outH, outW } = s;
  const { th: TH, tw: TW, tiles } = tileCounts(s);
  const [mm, bias, y, start, end] = params(f, 5);
  const [r, n, th, tw, c, pm, py] = i32Locals(f, 7);
  const M = grid(f, alpha, alpha);
  const tmp = grid(f, m, alpha);
  const out = grid(f, m, m);
  const bv = f.local('v128');
  f.get(start).set(r);
  f.forRange(r, end, 1, () => {
    f.get(r).i32Const(TH).i32DivU().set(n);
    f.get(r).get(n).i32Const(TH).i32Mul().i32Sub().set(th);
    f.i32Const(0).set(tw);
    f.forRange(tw, TW, 1, () => {
      f.i32Const(0).set(c);
      f.forRange(c, N, 4, () => {
        f.get(r).i32Const(TW).i32Mul().get(tw).i32Add().i32Const(N).i32Mul().get(c).i32Add().i32Const(4).i32Mul().get(mm).i32Add().set(pm);
        for (let a = 0; a < alpha; a++) {
          for (let b = 0; b < alpha; b++) f.get(pm).v128Load({ offset: (a * alpha + b) * planes(s).mm, align: 2 }).set(M[a]![b]!);
        }
        sandwich(f, AT, M, AT, tmp, out);
        if (s.bias) f.get(bias).get(c).i32Const(4).i32Mul().i32Add().v128Load({ align: 2 }).set(bv);
        // py = &y[n, th·m, tw·m, c]; rows and columns past the output (ragged last tiles) are skipped.
        f.get(n).i32Const(outH).i32Mul().get(th).i32Const(m).i32Mul().i32Add().i32Const(outW).i32Mul().get(tw).i32Const(m).i32Mul().i32Add();
        f.i32Const(N).i32Mul().get(c).i32Add().i32Const(4).i32Mul().get(y).i32Add().set(py);
        for (let a = 0; a < m; a++) {
          f.get(th).i32Const(m).i32Mul().i32Const(a).i32Add().i32Const(outH).i32LtS().if(() => {
            for (let b = 0; b < m; b++) {
              f.get(tw).i32Const(m).i32Mul().i32Const(b).i32Add().i32Const(outW).i32LtS().if(() => {
                f.get(py);
                f.get(out[a]![b]!);
                if (s.bias) f.get(bv).f32x4Add();
                if (s.relu) f.f32x4Const([0, 0, 0, 0]).f32x4Max();
                f.v128Store({ offset: (a * outW + b) * N * 4, align: 2 });
              });
            }
          });
        }
      });
    });
  });
}
