/**
 * Runs a Winograd F(m×m, 3×3) convolution (winograd.ts) through the runner: zero-padded copy of
 * the input, filter transform, input transform, α² batched GEMMs, output transform with the
 * epilogue. Each stage is one parallelFor over independent items, so threads split every stage.
 * Scratch: the padded input, U (α²·K·N), V (α²·tiles·K) and M (α²·tiles·N) floats.
 */
import { igemmKernel, igemmOptions, runIgemmBatched, type ConvContext, Scratch, cachedModule, isShared } from './kernels.js';
import { planes, tileCounts, winogradModule, type WinogradShape, type WinogradTile } from './winograd.js';

/** A stride-1 3×3 convolution as Winograd sees it. */
export interface WinogradConv {
  m: WinogradTile;
  /** The input (x, or dy for the input gradient): address and NHWC sizes; C = K. */
  src: number;
  batch: number;
  inH: number;
  inW: number;
  K: number;
  /** Taps as [9, K, N] floats (the HWIO filter, or its per-tap transpose for the input gradient). */
  taps: number;
  /** Read the taps rotated by 180° (the input gradient). */
  flip: boolean;
  N: number;
  outH: number;
  outW: number;
  /** Output row oh reads input rows oh − padTop … oh − padTop + 2 (may be negative). */
  padTop: number;
  padLeft: number;
  bias: number | null;
  relu: boolean;
  out: number;
}

export function runWinograd(ctx: ConvContext, c: WinogradConv, scratch: Scratch): void {
  const { m, batch, K, N } = c;
  const alpha = m + 2;
  const { th, tw, tiles } = tileCounts({ m, batch, outH: c.outH, outW: c.outW });
  const padH = th * m + 2;
  const padW = tw * m + 2;
  const o = igemmOptions(ctx, false, false, alpha * alpha);
  const tilesForPlanes = { m, batch, outH: c.outH, outW: c.outW, K, N };
  const s: WinogradShape = { m, batch, outH: c.outH, outW: c.outW, K, N, padH, padW, flip: c.flip, panel: 4 * o.vecs, bias: c.bias !== null, relu: c.relu };
  const shared = isShared(ctx);
  const key = `conv-winograd:${m}:${batch},${c.outH},${c.outW},${K},${N},${padH},${padW},${s.panel}:${c.flip ? 'f' : ''}${s.bias ? 'b' : ''}${c.relu ? 'r' : ''}:${shared ? 'shared' : 'own'}`;
  const wk = ctx.runner.load(key, cachedModule(key, () => winogradModule(s, shared)));

  // The padded input: zeros, then each input row's visible part at (row + padTop, padLeft).
  const padded = scratch.alloc(batch * padH * padW * K * 4);
  const heap = new Float32Array(ctx.runner.memory.buffer);
  heap.fill(0, padded / 4, padded / 4 + batch * padH * padW * K);
  const iw0 = Math.max(0, -c.padLeft);
  const iw1 = Math.min(c.inW, padW - c.padLeft);
  if (iw1 > iw0) {
    for (let n = 0; n < batch; n++) {
      for (let ih = 0; ih < c.inH; ih++) {
        const row = ih + c.padTop;
        if (row < 0 || row >= padH) continue;
        const from = c.src / 4 + ((n * c.inH + ih) * c.inW + iw0) * K;
        heap.copyWithin(padded / 4 + ((n * padH + row) * padW + iw0 + c.padLeft) * K, from, from + (iw1 - iw0) * K);
      }
    }
  }

  const plane = planes(s);
  const u = scratch.alloc(alpha * alpha * plane.u);
  ctx.runner.parallelFor(wk, 'filterTransform', [c.taps, u], N / s.panel);
  const v = scratch.alloc(alpha * alpha * plane.v);
  ctx.runner.parallelFor(wk, 'inputTransform', [padded, v], batch * th);
  const mm = scratch.alloc(alpha * alpha * plane.mm);
  const gs = { P: tiles, T: 1, K, N };
  const strides = planes(tilesForPlanes);
  o.strides = { a: strides.v, b: strides.u, out: strides.mm };
  runIgemmBatched(ctx, gs, igemmKernel(ctx, gs, o), o, v, u, mm, scratch);
  ctx.runner.parallelFor(wk, 'outputTransform', [mm, c.bias ?? 0, c.out], batch * th);
}
