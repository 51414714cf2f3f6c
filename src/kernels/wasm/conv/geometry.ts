/**
 * The sizes of one convolution, checked once at the kernel boundary, and the key under which a
 * module specialised to them is cached. Kernels bake these sizes into their code as constants
 * (loop bounds, strides, offsets), so the key is the whole geometry: VGG-like models have a
 * handful of distinct convolutions, and each compiles once per process.
 */
import type { Conv2DParams } from '../../backend.js';
import { formatShape, type Shape } from '../../../tensor/shape.js';

export interface ConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  kh: number;
  kw: number;
  outH: number;
  outW: number;
  outC: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  top: number;
  left: number;
  bottom: number;
  right: number;
}

/** The geometry of x [N, H, W, Cin] * filter [kh, kw, Cin, Cout] under `p`, or a one-line error naming the shapes. */
export function convGeometry(op: string, xShape: Shape, filterShape: Shape, p: Conv2DParams): ConvGeometry {
  if (xShape.length !== 4 || filterShape.length !== 4) {
    throw new Error(`wasm.${op}: expected NHWC input and HWIO filter, got ${formatShape(xShape)} and ${formatShape(filterShape)}`);
  }
  const [batch, inH, inW, inC] = xShape as [number, number, number, number];
  const [kh, kw, fc, outC] = filterShape as [number, number, number, number];
  if (fc !== inC) {
    throw new Error(`wasm.${op}: filter ${formatShape(filterShape)} expects ${fc} input channels, input ${formatShape(xShape)} has ${inC}`);
  }
  const [sh, sw] = p.strides;
  const [dh, dw] = p.dilations;
  const { top, bottom, left, right } = p.pad;
  const wantH = Math.max(0, Math.floor((inH + top + bottom - ((kh - 1) * dh + 1)) / sh) + 1);
  const wantW = Math.max(0, Math.floor((inW + left + right - ((kw - 1) * dw + 1)) / sw) + 1);
  if (p.outHeight !== wantH || p.outWidth !== wantW) {
    throw new Error(
      `wasm.${op}: output ${p.outHeight}×${p.outWidth} does not match input ${formatShape(xShape)}, filter ${formatShape(filterShape)}, ` +
        `strides [${sh}, ${sw}], dilations [${dh}, ${dw}], pad ${top}/${bottom}/${left}/${right} (expected ${wantH}×${wantW})`,
    );
  }
  return { batch, inH, inW, inC, kh, kw, outH: wantH, outW: wantW, outC, sh, sw, dh, dw, top, left, bottom, right };
}

/** A cache key naming every size of the geometry. */
export function geometryKey(g: ConvGeometry): string {
  return [g.batch, g.inH, g.inW, g.inC, g.kh, g.kw, g.outH, g.outW, g.outC, g.sh, g.sw, g.dh, g.dw, g.top, g.left, g.bottom, g.right].join(',');
}

/** Multiply-adds of one pass (forward, input gradient and filter gradient all do this many). */
export function convMacs(g: ConvGeometry): number {
  return g.batch * g.outH * g.outW * g.outC * g.kh * g.kw * g.inC;
}
