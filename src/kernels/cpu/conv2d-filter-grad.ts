/**
 * Filter gradient of the convolution in conv2d.ts:
 *
 *   dw[i, j, ci, co] = Σ_{n, oh, ow} x[n, oh·sh + i·dh − top, ow·sw + j·dw − left, ci] · dy[n, oh, ow, co]
 *
 * For each tap (i, j) this is a (Cin × pixels) · (pixels × Cout) product, a reduction over all
 * output pixels. Pixels are taken in chunks sized so that the packed chunk of dy stays in the
 * L2 cache; per chunk dy is packed once into 4-channel panels and, per tap, the matching input
 * pixels (zero where the tap falls into padding) are packed the same way, after which the 4×4
 * micro-kernel accumulates into a double-precision gradient buffer.
 */
import type { Conv2DParams } from '../backend.js';
import type { DType, TypedArray } from '../../tensor/dtype.js';
import type { Shape } from '../../tensor/shape.js';
import { convGeometry } from '../conv-geometry.js';
import { alloc, type HostArray } from './cpu-storage.js';
import { microKernel4x4 } from './gemm-microkernel.js';

/** Target size, in elements, of one packed chunk of dy (256 KiB as float32). */
const DY_CHUNK_ELEMENTS = 65536;

export function conv2dBackpropFilter(input: HostArray, dy: TypedArray, wShape: Shape, p: Conv2DParams, dtype: DType): TypedArray {
  const { data: x, shape: xShape } = input;
  const g = convGeometry('cpu.conv2dBackpropFilter', xShape, wShape, p);
  const { batch, inH, inW, inC, kh, kw, outH, outW, outC, sh, sw, dh, dw, top, left } = g;
  const numPixels = batch * outH * outW;
  if (dy.length !== numPixels * outC) {
    throw new Error(`cpu.conv2dBackpropFilter: dy has ${dy.length} values, expected [${batch}, ${outH}, ${outW}, ${outC}]`);
  }
  const ciPanels = Math.ceil(inC / 4);
  const coPanels = Math.ceil(outC / 4);
  const ciPad = 4 * ciPanels;
  const coPad = 4 * coPanels;
  const nTaps = kh * kw;
  // acc[(t·ciPad + ci)·coPad + co], padded to whole panels so the micro-kernel never checks bounds.
  const acc = new Float64Array(nTaps * ciPad * coPad);

  const chunk = Math.max(64, Math.min(1024, Math.floor(DY_CHUNK_ELEMENTS / Math.max(1, outC))));
  // Panels keep the full chunk's stride even for a shorter last chunk, so the lanes past Cin or
  // Cout are never written and stay zero.
  const span = chunk * 4;
  const packedDy = alloc(dtype, coPanels * span);
  const packedX = alloc(dtype, ciPanels * span);
  // Per pixel of the chunk: its image's first row index and its top-left input coordinate.
  const rowBase = new Int32Array(chunk);
  const ih0 = new Int32Array(chunk);
  const iw0 = new Int32Array(chunk);
  const pixelsPerImage = outH * outW;

  for (let p0 = 0; p0 < numPixels; p0 += chunk) {
    const len = Math.min(chunk, numPixels - p0);
    for (let k = 0; k < len; k++) {
      const pix = p0 + k;
      const n = Math.floor(pix / pixelsPerImage);
      const rest = pix - n * pixelsPerImage;
      const oh = Math.floor(rest / outW);
      rowBase[k] = n * inH;
      ih0[k] = oh * sh - top;
      iw0[k] = (rest - oh * outW) * sw - left;
      const d = pix * outC;
      for (let co = 0; co < outC; co++) packedDy[(co >> 2) * span + 4 * k + (co & 3)] = dy[d + co]!;
    }

    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        let present = false;
        for (let k = 0; k < len; k++) {
          const ih = ih0[k]! + i * dh;
          const iw = iw0[k]! + j * dw;
          if (ih < 0 || ih >= inH || iw < 0 || iw >= inW) {
            for (let ci = 0; ci < inC; ci++) packedX[(ci >> 2) * span + 4 * k + (ci & 3)] = 0;
            continue;
          }
          present = true;
          const s = ((rowBase[k]! + ih) * inW + iw) * inC;
          for (let ci = 0; ci < inC; ci++) packedX[(ci >> 2) * span + 4 * k + (ci & 3)] = x[s + ci]!;
        }
        if (!present) continue;
        const tapBase = (i * kw + j) * ciPad * coPad;
        for (let a = 0; a < ciPanels; a++) {
          const accRow = tapBase + 4 * a * coPad;
          for (let b = 0; b < coPanels; b++) {
            microKernel4x4(packedX, a * span, packedDy, b * span, len, acc, accRow + 4 * b, coPad);
          }
        }
      }
    }
  }

  const dwOut = alloc(dtype, nTaps * inC * outC);
  for (let t = 0; t < nTaps; t++) {
    for (let ci = 0; ci < inC; ci++) {
      const s = (t * ciPad + ci) * coPad;
      const d = (t * inC + ci) * outC;
      for (let co = 0; co < outC; co++) dwOut[d + co] = acc[s + co]!;
    }
  }
  return dwOut;
}
