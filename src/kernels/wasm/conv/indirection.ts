/**
 * The indirect GEMM's tables (igemm.ts, filter-grad.ts) stated in TypeScript: one row address per
 * (pixel, tap). The kernels' tables are built by table.ts in WebAssembly (these loops took 2–3 ms
 * of a 9 ms 224×224 first layer); the tests check that both give the same entries.
 */
import type { ConvGeometry } from './geometry.js';

/**
 * ind[q·T + t] for the forward pass: the byte address of input pixel (n, oh·sh − top + i·dh,
 * ow·sw − left + j·dw) for output pixel q = (n, oh, ow) and tap t = (i, j), or `zero` where that
 * falls outside the input.
 */
export function forwardTable(ind: Int32Array, g: ConvGeometry, x: number, zero: number): void {
  const rowBytes = g.inC * 4;
  let o = 0;
  for (let n = 0; n < g.batch; n++) {
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        for (let i = 0; i < g.kh; i++) {
          const ih = oh * g.sh - g.top + i * g.dh;
          const rowOk = ih >= 0 && ih < g.inH;
          for (let j = 0; j < g.kw; j++) {
            const iw = ow * g.sw - g.left + j * g.dw;
            ind[o++] = rowOk && iw >= 0 && iw < g.inW ? x + ((n * g.inH + ih) * g.inW + iw) * rowBytes : zero;
          }
        }
      }
    }
  }
}

/** The output index a tap at `offset` (= in + pad − tap·dilation) reaches, or −1 if none. */
function source(offset: number, stride: number, size: number): number {
  if (offset < 0 || offset % stride !== 0) return -1;
  const o = offset / stride;
  return o < size ? o : -1;
}

/**
 * ind[q·T + t] for the input gradient: the byte address of dy pixel (n, oh, ow) whose tap
 * t = (i, j) read input pixel q = (n, ih, iw) (oh·sh = ih + top − i·dh, likewise ow), or `zero`
 * where no output pixel did.
 */
export function inputGradTable(ind: Int32Array, g: ConvGeometry, dy: number, zero: number): void {
  const rowBytes = g.outC * 4;
  let o = 0;
  for (let n = 0; n < g.batch; n++) {
    for (let ih = 0; ih < g.inH; ih++) {
      for (let iw = 0; iw < g.inW; iw++) {
        for (let i = 0; i < g.kh; i++) {
          const oh = source(ih + g.top - i * g.dh, g.sh, g.outH);
          for (let j = 0; j < g.kw; j++) {
            const ow = oh < 0 ? -1 : source(iw + g.left - j * g.dw, g.sw, g.outW);
            ind[o++] = ow >= 0 ? dy + ((n * g.outH + oh) * g.outW + ow) * rowBytes : zero;
          }
        }
      }
    }
  }
}
