/**
 * The sizes of one convolution, checked once at the kernel boundary, and the key under which a
 * module specialised to them is cached. Kernels bake these sizes into their code as constants
 * (loop bounds, strides, offsets), so the key is the whole geometry: VGG-like models have a
 * handful of distinct convolutions, and each compiles once per process.
 */
import type { ConvGeometry } from '../../conv-geometry.js';

export { convGeometry, type ConvGeometry } from '../../conv-geometry.js';

/** A cache key naming every size of the geometry. */
export function geometryKey(g: ConvGeometry): string {
  return [g.batch, g.inH, g.inW, g.inC, g.kh, g.kw, g.outH, g.outW, g.outC, g.sh, g.sw, g.dh, g.dw, g.top, g.left, g.bottom, g.right].join(',');
}

/** Multiply-adds of one pass (forward, input gradient and filter gradient all do this many). */
export function convMacs(g: ConvGeometry): number {
  return g.batch * g.outH * g.outW * g.outC * g.kh * g.kw * g.inC;
}
