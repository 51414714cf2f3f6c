/**
 * The WebAssembly backend's convolutions: forward (with fused bias and ReLU), input gradient and
 * filter gradient of NHWC × HWIO float32 tensors that already live in the runner's memory.
 * This file chooses a kernel per geometry and calls it through the runner, split over threads by
 * the kernel's (start, end) items; the kernels are generated in ./conv/.
 */
import type { Conv2DParams } from '../backend.js';
import type { Shape } from '../../tensor/shape.js';
import type { WasmFeatures } from './features.js';
import type { KernelHandle, KernelRunner, ScratchAllocator } from './kernel-runner.js';
import { directConvModule } from './conv/direct.js';
import { convGeometry, geometryKey, type ConvGeometry } from './conv/geometry.js';
import { DEFAULT_BLOCK, igemmModule, packTail, paddedColumns, tailFloats, type IgemmOptions, type IgemmShape } from './conv/igemm.js';
import { forwardTable, inputGradTable } from './conv/indirection.js';

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

const modules = new Map<string, WebAssembly.Module>();

/** The compiled module for `key`, built by `build` once per process. */
function cachedModule(key: string, build: () => Uint8Array<ArrayBuffer>): WebAssembly.Module {
  let module = modules.get(key);
  if (module === undefined) {
    module = new WebAssembly.Module(build());
    modules.set(key, module);
  }
  return module;
}

function isShared(ctx: WasmConvContext): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && ctx.runner.memory.buffer instanceof SharedArrayBuffer;
}

function directKernel(ctx: WasmConvContext, g: ConvGeometry, bias: boolean, relu: boolean): KernelHandle {
  const shared = isShared(ctx);
  const key = `conv-direct:${geometryKey(g)}:${bias ? 'b' : ''}${relu ? 'r' : ''}:${shared ? 'shared' : 'own'}`;
  return ctx.runner.load(key, cachedModule(key, () => directConvModule(g, bias, relu, shared)));
}

/** Scratch blocks for one call, freed together. */
class Scratch {
  private readonly held: number[] = [];
  constructor(private readonly ctx: WasmConvContext) {}
  alloc(bytes: number): number {
    const at = this.ctx.scratch.alloc(Math.max(16, bytes));
    this.held.push(at);
    return at;
  }
  f32(at: number, n: number): Float32Array {
    return new Float32Array(this.ctx.runner.memory.buffer, at, n);
  }
  i32(at: number, n: number): Int32Array {
    return new Int32Array(this.ctx.runner.memory.buffer, at, n);
  }
  free(): void {
    for (const at of this.held.splice(0)) this.ctx.scratch.free(at);
  }
}

/** The indirect GEMM's kernel module for `s` (compiled once per shape and options). */
function igemmKernel(ctx: WasmConvContext, s: IgemmShape, o: IgemmOptions): KernelHandle {
  const shared = isShared(ctx);
  const key = `conv-igemm:${s.P},${s.T},${s.K},${s.N}:${o.rows}x${o.vecs}u${o.unroll}:${o.fma ? 'fma' : 'muladd'}:${o.bias ? 'b' : ''}${o.relu ? 'r' : ''}:${shared ? 'shared' : 'own'}`;
  return ctx.runner.load(key, cachedModule(key, () => igemmModule(s, o, shared)));
}

/**
 * Runs the indirect GEMM of `s` with B (T·K rows of N floats) at `b`: `table` fills the
 * indirection table; `bias` (N floats at that address) is copied padded.
 */
function runIgemm(
  ctx: WasmConvContext, s: IgemmShape, kernel: KernelHandle, o: IgemmOptions, out: number,
  table: (ind: Int32Array, zero: number) => void, b: number, bias: number | null, scratch: Scratch,
): void {
  const zero = scratch.alloc(s.K * 4);
  const ind = scratch.alloc(s.P * s.T * 4);
  const tail = scratch.alloc(tailFloats(s, o.vecs) * 4);
  const biasAt = scratch.alloc(paddedColumns(s.N) * 4);
  scratch.f32(zero, s.K).fill(0);
  table(scratch.i32(ind, s.P * s.T), zero);
  packTail(scratch.f32(tail, tailFloats(s, o.vecs)), scratch.f32(b, s.T * s.K * s.N), s, o.vecs);
  const padded = scratch.f32(biasAt, paddedColumns(s.N)).fill(0);
  if (bias !== null) padded.set(scratch.f32(bias, s.N));
  ctx.runner.parallelFor(kernel, 'igemm', [ind, b, tail, biasAt, out], Math.ceil(s.P / o.rows));
}

function igemmOptions(ctx: WasmConvContext, bias: boolean, relu: boolean): IgemmOptions {
  return { ...DEFAULT_BLOCK, bias, relu, fma: ctx.features.relaxedSimd };
}

/** y = relu?(conv(x, filter) + bias), into `out` ([N, outH, outW, Cout]). */
export function conv2dForward(
  ctx: WasmConvContext, x: WasmTensorRef, filter: WasmTensorRef, bias: WasmTensorRef | null, out: number, p: Conv2DParams, relu: boolean,
): void {
  const g = convGeometry('conv2d', x.shape, filter.shape, p);
  if (bias !== null && (bias.shape.length !== 1 || bias.shape[0] !== g.outC)) {
    throw new Error(`wasm.conv2d: bias of shape [${bias.shape.join(', ')}] for ${g.outC} output channels`);
  }
  if (ctx.features.simd) {
    const s: IgemmShape = { P: g.batch * g.outH * g.outW, T: g.kh * g.kw, K: g.inC, N: g.outC };
    const o = igemmOptions(ctx, bias !== null, relu);
    const scratch = new Scratch(ctx);
    try {
      // B[t, ci, co] is the HWIO filter as it lies.
      runIgemm(ctx, s, igemmKernel(ctx, s, o), o, out, (ind, zero) => forwardTable(ind, g, x.address, zero), filter.address, bias?.address ?? null, scratch);
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
  const g = convGeometry('conv2dBackpropInput', xShape, filter.shape, p);
  checkDy('conv2dBackpropInput', dy.shape, g);
  if (ctx.features.simd) {
    const s: IgemmShape = { P: g.batch * g.inH * g.inW, T: g.kh * g.kw, K: g.outC, N: g.inC };
    const o = igemmOptions(ctx, false, false);
    const kernel = igemmKernel(ctx, s, o);
    const scratch = new Scratch(ctx);
    try {
      // B[t, co, ci] = w[t, ci, co]: each tap's filter transposed (in WebAssembly); the table does the flip.
      const b = scratch.alloc(s.T * s.K * s.N * 4);
      ctx.runner.parallelFor(kernel, 'transposeTaps', [filter.address, b], s.T);
      runIgemm(ctx, s, kernel, o, out, (ind, zero) => inputGradTable(ind, g, dy.address, zero), b, null, scratch);
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
  const g = convGeometry('conv2dBackpropFilter', x.shape, filterShape, p);
  checkDy('conv2dBackpropFilter', dy.shape, g);
  const kernel = directKernel(ctx, g, false, false);
  ctx.runner.parallelFor(kernel, 'filterGrad', [x.address, dy.address, out], g.kh * g.kw * g.inC);
}

function checkDy(op: string, shape: Shape, g: ConvGeometry): void {
  const want = [g.batch, g.outH, g.outW, g.outC];
  if (shape.length !== 4 || shape.some((d, i) => d !== want[i])) {
    throw new Error(`wasm.${op}: dy of shape [${shape.join(', ')}], expected [${want.join(', ')}]`);
  }
}
