/**
 * Convolution as an implicit GEMM (no im2col buffer for the whole image): every destination
 * pixel is a row of the result, and each filter tap t contributes the product of one source row
 * (a pixel's channel vector, or nothing where the tap falls into padding) with a matrix B_t:
 *
 *   out[pixel, col] = Σ_t Σ_{k < rowLen} src[source(pixel, t) + k] · B_t[k, col]
 *
 * The forward convolution is this with source = input pixels and B_t = W[kh, kw] (Cin × Cout);
 * the input gradient is this with source = output-gradient pixels and B_t = W[kh, kw]ᵀ. Four
 * destination pixels at a time are gathered and packed for the 4×4 micro-kernel; taps with no
 * source row for any of the four are skipped entirely (padding borders, and the taps that a
 * strided convolution's input gradient does not reach), and consecutive present taps are
 * multiplied in one micro-kernel call.
 */
import type { DType, TypedArray } from '../../tensor/dtype.js';
import { alloc } from './cpu-storage.js';
import { microKernel4x4 } from './gemm-microkernel.js';

/** Says where the pixels of a block come from and go to. */
export interface PixelGather {
  /** How many destination pixels (rows of the result) there are. */
  readonly numPixels: number;
  /**
   * For destination pixels [start, start + count) (count ≤ 4): dst[r] = offset of pixel r's row
   * in `out`; src[4t + r] = offset of its source row for tap t, or -1 when there is none.
   */
  gather(start: number, count: number, dst: Int32Array, src: Int32Array): void;
}

/**
 * Packs filter taps for implicitGemm: B_t[k, col] = w[t*tapSize + k*kStride + col*colStride]
 * becomes panels of 4 columns, `[panel][tap][k][4]`, zero beyond `nCols`.
 */
export function packTapPanels(
  w: TypedArray, nTaps: number, tapSize: number, rowLen: number, kStride: number, nCols: number, colStride: number,
  dtype: DType,
): TypedArray {
  const panels = Math.ceil(nCols / 4);
  const out = alloc(dtype, panels * nTaps * rowLen * 4);
  let o = 0;
  for (let p = 0; p < panels; p++) {
    const cols = Math.min(4, nCols - 4 * p);
    for (let t = 0; t < nTaps; t++) {
      const tapBase = t * tapSize + 4 * p * colStride;
      for (let k = 0; k < rowLen; k++, o += 4) {
        const s = tapBase + k * kStride;
        for (let c = 0; c < cols; c++) out[o + c] = w[s + c * colStride]!;
      }
    }
  }
  return out;
}

export interface Epilogue {
  /** Added per column before `relu`; length nCols. */
  bias: TypedArray | null;
  relu: boolean;
}

export function implicitGemm(
  src: TypedArray, rowLen: number, nTaps: number, packedB: TypedArray, nCols: number,
  pixels: PixelGather, out: TypedArray, epilogue: Epilogue, dtype: DType,
): void {
  const { bias, relu } = epilogue;
  const panels = Math.ceil(nCols / 4);
  const panelSize = nTaps * rowLen * 4;
  const packedA = alloc(dtype, nTaps * rowLen * 4);
  const dst = new Int32Array(4);
  const srcOff = new Int32Array(4 * nTaps);
  // Runs of consecutive present taps: first tap, its slot in packedA, and length (in taps).
  const runTap = new Int32Array(nTaps);
  const runSlot = new Int32Array(nTaps);
  const runLen = new Int32Array(nTaps);
  const acc = new Float64Array(16);

  for (let start = 0; start < pixels.numPixels; start += 4) {
    const count = Math.min(4, pixels.numPixels - start);
    pixels.gather(start, count, dst, srcOff);

    let slots = 0;
    let runs = 0;
    for (let t = 0; t < nTaps; t++) {
      let present = false;
      for (let r = 0; r < count; r++) if (srcOff[4 * t + r]! >= 0) present = true;
      if (!present) continue;
      const base = slots * rowLen * 4;
      for (let r = 0; r < 4; r++) {
        const s = r < count ? srcOff[4 * t + r]! : -1;
        if (s < 0) {
          for (let k = 0; k < rowLen; k++) packedA[base + 4 * k + r] = 0;
        } else {
          for (let k = 0; k < rowLen; k++) packedA[base + 4 * k + r] = src[s + k]!;
        }
      }
      if (runs > 0 && runTap[runs - 1]! + runLen[runs - 1]! === t) {
        runLen[runs - 1]!++;
      } else {
        runTap[runs] = t;
        runSlot[runs] = slots;
        runLen[runs] = 1;
        runs++;
      }
      slots++;
    }

    for (let p = 0; p < panels; p++) {
      acc.fill(0);
      for (let q = 0; q < runs; q++) {
        microKernel4x4(
          packedA, runSlot[q]! * rowLen * 4, packedB, p * panelSize + runTap[q]! * rowLen * 4, runLen[q]! * rowLen,
          acc, 0, 4,
        );
      }
      const col0 = 4 * p;
      const cols = Math.min(4, nCols - col0);
      for (let r = 0; r < count; r++) {
        const o = dst[r]! + col0;
        for (let c = 0; c < cols; c++) {
          let v = acc[4 * r + c]!;
          if (bias !== null) v += bias[col0 + c]!;
          if (relu && v < 0) v = 0;
          out[o + c] = v;
        }
      }
    }
  }
}
