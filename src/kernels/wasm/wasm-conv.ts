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

/** y = relu?(conv(x, filter) + bias), into `out` ([N, outH, outW, Cout]). */
export function conv2dForward(
  ctx: WasmConvContext, x: WasmTensorRef, filter: WasmTensorRef, bias: WasmTensorRef | null, out: number, p: Conv2DParams, relu: boolean,
): void {
  const g = convGeometry('conv2d', x.shape, filter.shape, p);
  if (bias !== null && (bias.shape.length !== 1 || bias.shape[0] !== g.outC)) {
    throw new Error(`wasm.conv2d: bias of shape [${bias.shape.join(', ')}] for ${g.outC} output channels`);
  }
  const kernel = directKernel(ctx, g, bias !== null, relu);
  ctx.runner.parallelFor(kernel, 'forward', [x.address, filter.address, bias?.address ?? 0, out], g.batch * g.outH);
}

/** dx ([N, H, W, Cin] = xShape) of the convolution, given dy. */
export function conv2dBackpropInput(ctx: WasmConvContext, dy: WasmTensorRef, filter: WasmTensorRef, out: number, xShape: Shape, p: Conv2DParams): void {
  const g = convGeometry('conv2dBackpropInput', xShape, filter.shape, p);
  checkDy('conv2dBackpropInput', dy.shape, g);
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
