/**
 * Runs a Winograd F(m×m, 3×3) convolution (winograd.ts) through the runner: zero-padded copy of
 * the input, filter transform, input transform, α² batched GEMMs, output transform with the
 * epilogue. Each stage is one parallelFor over independent items, so threads split every stage.
 * Scratch: U (α²·K·N floats), and for a chunk of images at a time (winogradLimits) the padded
 * input, V (α²·tiles·K) and M (α²·tiles·N).
 */
import type { KernelHandle } from '../kernel-runner.js';
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

/**
 * Scratch bytes one chunk of images may take (padded input, V and M): larger batches run in
 * chunks of images, the filter transformed once. Mutable for tests, which make it small. At batch 50 a 224×224×64 layer would otherwise
 * take 2.9 GB of V and M, past what wasm32 can address next to the model.
 */
export const winogradLimits = { chunkBytes: 96 * 2 ** 20 };

/** The transforms' sizes for `images` images of the convolution `c`. */
function winogradShape(c: WinogradConv, images: number, panel: number): WinogradShape {
  const { m, K, N } = c;
  const { th, tw } = tileCounts({ m, batch: images, outH: c.outH, outW: c.outW });
  return { m, batch: images, outH: c.outH, outW: c.outW, K, N, padH: th * m + 2, padW: tw * m + 2, flip: c.flip, panel, bias: c.bias !== null, relu: c.relu };
}

/** The module for `images` images of the convolution `c`. */
function winogradKernel(ctx: ConvContext, c: WinogradConv, images: number, panel: number): { shape: WinogradShape; kernel: KernelHandle } {
  const { m, K, N } = c;
  const shape = winogradShape(c, images, panel);
  const shared = isShared(ctx);
  const key = `conv-winograd:${m}:${images},${c.outH},${c.outW},${K},${N},${shape.padH},${shape.padW},${panel}:${c.flip ? 'f' : ''}${shape.bias ? 'b' : ''}${c.relu ? 'r' : ''}:${shared ? 'shared' : 'own'}`;
  return { shape, kernel: ctx.runner.load(key, cachedModule(key, () => winogradModule(shape, shared))) };
}

export function runWinograd(ctx: ConvContext, c: WinogradConv, scratch: Scratch): void {
  const { m, batch, K, N } = c;
  const alpha = m + 2;
  const o = igemmOptions(ctx, false, false, alpha * alpha);
  const panel = 4 * o.vecs;
  const one = winogradShape(c, 1, panel);
  const perImage = one.padH * one.padW * K * 4 + alpha * alpha * (planes(one).v + planes(one).mm);
  const chunk = Math.max(1, Math.min(batch, Math.floor(winogradLimits.chunkBytes / perImage)));

  // U once for every chunk.
  const first = winogradKernel(ctx, c, chunk, panel);
  const u = scratch.alloc(alpha * alpha * planes(first.shape).u);
  ctx.runner.parallelFor(first.kernel, 'filterTransform', [c.taps, u], N / panel);
  const padded = scratch.alloc(first.shape.padH * first.shape.padW * K * 4 * chunk);
  const v = scratch.alloc(alpha * alpha * planes(first.shape).v);
  const mm = scratch.alloc(alpha * alpha * planes(first.shape).mm);
  for (let n0 = 0; n0 < batch; n0 += chunk) {
    const images = Math.min(chunk, batch - n0);
    const { shape: s, kernel: wk } = images === chunk ? first : winogradKernel(ctx, c, images, panel);
    const part = { ...c, src: c.src + n0 * c.inH * c.inW * K * 4, out: c.out + n0 * c.outH * c.outW * N * 4 };
    padInput(ctx, part, s, images, padded);
    const { th, tiles } = tileCounts(s);
    ctx.runner.parallelFor(wk, 'inputTransform', [padded, v], images * th);
    const gs = { P: tiles, T: 1, K, N };
    const strides = planes(s);
    const go = { ...o, strides: { a: strides.v, b: strides.u, out: strides.mm } };
    runIgemmBatched(ctx, gs, igemmKernel(ctx, gs, go), go, v, u, mm);
    ctx.runner.parallelFor(wk, 'outputTransform', [mm, c.bias ?? 0, part.out], images * th);
  }
}

/** The zero-padded input of `images` images: zeros, then each input row's visible part at (row + padTop, padLeft). */
function padInput(ctx: ConvContext, c: WinogradConv, s: WinogradShape, images: number, padded: number): void {
  const { K } = c;
  const { padH, padW } = s;
  const heap = new Float32Array(ctx.runner.memory.buffer);
  heap.fill(0, padded / 4, padded / 4 + images * padH * padW * K);
  const iw0 = Math.max(0, -c.padLeft);
  const iw1 = Math.min(c.inW, padW - c.padLeft);
  if (iw1 <= iw0) return;
  for (let n = 0; n < images; n++) {
    for (let ih = 0; ih < c.inH; ih++) {
      const row = ih + c.padTop;
      if (row < 0 || row >= padH) continue;
      const from = c.src / 4 + ((n * c.inH + ih) * c.inW + iw0) * K;
      heap.copyWithin(padded / 4 + ((n * padH + row) * padW + iw0 + c.padLeft) * K, from, from + (iw1 - iw0) * K);
    }
  }
}
