/**
 * The WebAssembly backend's convolutions: forward (with fused bias and ReLU), input gradient and
 * filter gradient of NHWC × HWIO float32 tensors that already live in the runner's memory.
 * This file chooses a kernel per geometry and calls it through the runner, split over threads by
 * the kernel's (start, end) items; the kernels are generated in ./conv/.
 */
import type { Conv2DParams } from '../backend.js';
import type { Shape } from '../../tensor/shape.js';
import type { WasmFeatures } from './features.js';
import type { KernelRunner, ScratchAllocator } from './kernel-runner.js';
import { convGeometry, type ConvGeometry } from './conv/geometry.js';
import type { IgemmShape } from './conv/igemm.js';
import { cachedModule, directKernel, igemmChunk, igemmKernel, igemmOptions, isShared, runIgemm, Scratch } from './conv/kernels.js';
import { runWinograd } from './conv/winograd-run.js';
import { filterGradItems, filterGradModule, type FilterGradShape } from './conv/filter-grad.js';
import { tableKernel } from './conv/table.js';
import { epilogueModule, isPointwise, pointwiseGemm } from './conv/pointwise.js';

/** A float32 tensor in the runner's memory: byte address, NHWC (activations) or HWIO (filters). */
export interface WasmTensorRef {
  address: number;
  shape: Shape;
}

export interface WasmConvContext {
  runner: KernelRunner;
  scratch: ScratchAllocator;
  features: WasmFeatures;
}

/**
 * How a convolution pass runs: scalar direct, indirect implicit GEMM, Winograd F(2×2) / F(4×4),
 * or (1×1, stride 1, dilation 1, no padding) a plain matmul (conv/pointwise.ts).
 */
export type ConvAlgorithm = 'direct' | 'igemm' | 'winograd2' | 'winograd4' | 'pointwise';

let forced: ConvAlgorithm | null = null;

/**
 * Makes every pass that can run `algorithm` run it (null: back to the rule), for tests and the
 * benchmark that compare the algorithms on one shape. Winograd still applies only where
 * convAlgorithm's shape conditions hold.
 */
export function forceConvAlgorithm(algorithm: ConvAlgorithm | null): void {
  forced = algorithm;
}

/**
 * The rule. Winograd needs a 3×3, stride-1, dilation-1 filter and channel counts that fill the
 * GEMM's 16-column panels on both sides (every VGG layer but the first, with 3 input channels);
 * on an output smaller than 4×4 its transforms cost more than the multiplies saved, so the
 * implicit GEMM runs.
 * F(4×4) where the output (the input, for the input gradient) is at least 8×8, F(2×2) below
 * (fewer, larger tiles waste more on a ragged edge). Measured on the VGG19 shapes (CPU time, one
 * thread): F(4×4) beat F(2×2) on every one, 14×14×512 included (74 against 61 GFLOP/s), and
 * both beat the implicit GEMM (~30) by 2–4×.
 * Both stay far inside the conformance tolerance (rtol 2e-3): the measured relative L2 error is
 * in docs/benchmarks.md.
 */
export function convAlgorithm(g: ConvGeometry, pass: 'forward' | 'inputGrad', features: WasmFeatures): ConvAlgorithm {
  if (!features.simd) return 'direct';
  const winogradOk = g.kh === 3 && g.kw === 3 && g.sh === 1 && g.sw === 1 && g.dh === 1 && g.dw === 1 && g.inC % 16 === 0 && g.outC % 16 === 0;
  const pointwiseOk = isPointwise(g);
  if (forced !== null) {
    if (forced === 'direct' || forced === 'igemm') return forced;
    if (forced === 'pointwise') return pointwiseOk ? forced : 'igemm';
    return winogradOk ? forced : 'igemm';
  }
  // A 1×1 filter is a plain GEMM: the matmul kernel (~45 GFLOP/s a core) beats the implicit
  // GEMM (~30), whose table of row pointers buys nothing here (measured in docs/benchmarks.md).
  if (pointwiseOk) return 'pointwise';
  const [h, w] = pass === 'forward' ? [g.outH, g.outW] : [g.inH, g.inW];
  if (!winogradOk || h < 4 || w < 4) return 'igemm';
  return h >= 8 && w >= 8 ? 'winograd4' : 'winograd2';
}

/** y = relu?(conv(x, filter) + bias), into `out` ([N, outH, outW, Cout]). */
export function conv2dForward(
  ctx: WasmConvContext, x: WasmTensorRef, filter: WasmTensorRef, bias: WasmTensorRef | null, out: number, p: Conv2DParams, relu: boolean,
): void {
  const g = convGeometry('wasm.conv2d', x.shape, filter.shape, p);
  if (bias !== null && (bias.shape.length !== 1 || bias.shape[0] !== g.outC)) {
    throw new Error(`wasm.conv2d: bias of shape [${bias.shape.join(', ')}] for ${g.outC} output channels`);
  }
  const algorithm = convAlgorithm(g, 'forward', ctx.features);
  if (algorithm === 'pointwise') {
    const P = g.batch * g.outH * g.outW;
    pointwiseGemm(ctx.runner, ctx.scratch, ctx.features, x.address, P, g.inC, filter.address, g.outC, false, out);
    if ((bias !== null || relu) && P * g.outC > 0) {
      const key = `conv-pointwise-epilogue:${bias !== null ? 'bias' : ''}${relu ? 'relu' : ''}:${isShared(ctx) ? 'shared' : 'own'}`;
      const kernel = ctx.runner.load(key, cachedModule(key, () => epilogueModule(bias !== null, relu, ctx.runner.memory)));
      // About 16 KiB of output per chunk, so a pool does not split a small pass.
      ctx.runner.parallelFor(kernel, 'epilogue', [out, bias?.address ?? 0, g.outC], P, Math.max(1, Math.floor(4096 / g.outC)));
    }
    return;
  }
  if (algorithm === 'winograd2' || algorithm === 'winograd4') {
    const scratch = new Scratch(ctx);
    try {
      runWinograd(ctx, {
        m: algorithm === 'winograd2' ? 2 : 4, src: x.address, batch: g.batch, inH: g.inH, inW: g.inW, K: g.inC,
        taps: filter.address, flip: false, N: g.outC, outH: g.outH, outW: g.outW, padTop: g.top, padLeft: g.left,
        bias: bias?.address ?? null, relu, out,
      }, scratch);
    } finally {
      scratch.free();
    }
    return;
  }
  if (algorithm === 'igemm') {
    const s: IgemmShape = { P: g.batch * g.outH * g.outW, T: g.kh * g.kw, K: g.inC, N: g.outC };
    const o = igemmOptions(ctx, bias !== null, relu);
    const scratch = new Scratch(ctx);
    try {
      // B[t, ci, co] is the HWIO filter as it lies.
      runIgemm(ctx, s, o, filter.address, bias?.address ?? null, scratch, g.batch, (n0, images) => ({
        table: (ind, zero) => ctx.runner.parallelFor(tableKernel(ctx, { ...g, batch: images }), 'forwardTable',
          [ind, x.address + n0 * g.inH * g.inW * g.inC * 4, zero], images * g.outH),
        out: out + n0 * g.outH * g.outW * g.outC * 4,
      }));
    } finally {
      scratch.free();
    }
    return;
  }
  const kernel = directKernel(ctx, g, bias !== null, relu);
  ctx.runner.parallelFor(kernel, 'forward', [x.address, filter.address, bias?.address ?? 0, out], g.batch * g.outH);
}

/** dx ([N, H, W, Cin] = xShape) of the convolution, given dy. */
export function conv2dBackpropInput(ctx: WasmConvContext, dy: WasmTensorRef, filter: WasmTensorRef, out: number, xShape: Shape, p: Conv2DParams): void {
  const g = convGeometry('wasm.conv2dBackpropInput', xShape, filter.shape, p);
  checkDy('conv2dBackpropInput', dy.shape, g);
  const algorithm = convAlgorithm(g, 'inputGrad', ctx.features);
  if (algorithm === 'pointwise') {
    // dx [P, Cin] = dy [P, Cout] · filterᵀ: the (small) [Cin, Cout] filter is packed transposed.
    const P = g.batch * g.inH * g.inW;
    pointwiseGemm(ctx.runner, ctx.scratch, ctx.features, dy.address, P, g.outC, filter.address, g.inC, true, out);
    return;
  }
  if (algorithm !== 'direct') {
    const s: IgemmShape = { P: g.batch * g.inH * g.inW, T: g.kh * g.kw, K: g.outC, N: g.inC };
    const o = igemmOptions(ctx, false, false);
    // transposeTaps is in every module of this T, K, N: take the one the first chunk runs.
    const kernel = igemmKernel(ctx, { ...s, P: (s.P / g.batch) * igemmChunk(s, g.batch) }, o);
    const scratch = new Scratch(ctx);
    try {
      // B[t, co, ci] = w[t, ci, co]: each tap's filter transposed (in WebAssembly); the table, or
      // Winograd's flip, reverses the taps.
      const b = scratch.alloc(s.T * s.K * s.N * 4);
      ctx.runner.parallelFor(kernel, 'transposeTaps', [filter.address, b], s.T);
      if (algorithm === 'igemm') {
        runIgemm(ctx, s, o, b, null, scratch, g.batch, (n0, images) => ({
          table: (ind, zero) => ctx.runner.parallelFor(tableKernel(ctx, { ...g, batch: images }), 'inputGradTable',
            [ind, dy.address + n0 * g.outH * g.outW * g.outC * 4, zero], images * g.inH),
          out: out + n0 * g.inH * g.inW * g.inC * 4,
        }));
      } else {
        // dx is the stride-1 convolution of dy with the rotated, transposed filter, padded by 2 − pad.
        runWinograd(ctx, {
          m: algorithm === 'winograd2' ? 2 : 4, src: dy.address, batch: g.batch, inH: g.outH, inW: g.outW, K: g.outC,
          taps: b, flip: true, N: g.inC, outH: g.inH, outW: g.inW, padTop: 2 - g.top, padLeft: 2 - g.left, bias: null, relu: false, out,
        }, scratch);
      }
    } finally {
      scratch.free();
    }
    return;
  }
  const kernel = directKernel(ctx, g, false, false);
  ctx.runner.parallelFor(kernel, 'inputGrad', [dy.address, filter.address, out], g.batch * g.inH);
}

/** dfilter ([kh, kw, Cin, Cout] = filterShape) of the convolution, given x and dy. */
export function conv2dBackpropFilter(ctx: WasmConvContext, x: WasmTensorRef, dy: WasmTensorRef, out: number, filterShape: Shape, p: Conv2DParams): void {
  const g = convGeometry('wasm.conv2dBackpropFilter', x.shape, filterShape, p);
  checkDy('conv2dBackpropFilter', dy.shape, g);
  if (forced !== 'direct' && ctx.features.simd) {
    const s: FilterGradShape = { P: g.batch * g.outH * g.outW, T: g.kh * g.kw, Cin: g.inC, Cout: g.outC };
    const fma = ctx.features.relaxedSimd;
    const shared = isShared(ctx);
    const key = `conv-filtergrad:${s.P},${s.T},${s.Cin},${s.Cout}:${fma ? 'fma' : 'muladd'}:${shared ? 'shared' : 'own'}`;
    const kernel = ctx.runner.load(key, cachedModule(key, () => filterGradModule(s, fma, shared)));
    const scratch = new Scratch(ctx);
    try {
      const zero = scratch.alloc(g.inC * 4);
      const ind = scratch.alloc(s.P * s.T * 4);
      scratch.f32(zero, g.inC).fill(0);
      ctx.runner.parallelFor(tableKernel(ctx, g), 'forwardTable', [ind, x.address, zero], g.batch * g.outH);
      if (s.P === 0) new Float32Array(ctx.runner.memory.buffer, out, s.T * s.Cin * s.Cout).fill(0);
      ctx.runner.parallelFor(kernel, 'filterGrad', [ind, dy.address, out], filterGradItems(s));
    } finally {
      scratch.free();
    }
    return;
  }
  const kernel = directKernel(ctx, g, false, false);
  ctx.runner.parallelFor(kernel, 'filterGrad', [x.address, dy.address, out], g.kh * g.kw * g.inC);
}

function checkDy(op: string, shape: Shape, g: ConvGeometry): void {
  const want = [g.batch, g.outH, g.outW, g.outC];
  if (shape.length !== 4 || shape.some((d, i) => d !== want[i])) {
    throw new Error(`wasm.${op}: dy of shape [${shape.join(', ')}], expected [${want.join(', ')}]`);
  }
}
