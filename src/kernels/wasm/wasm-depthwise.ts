/**
 * Depthwise convolution on the WebAssembly backend: the SIMD kernels (kernels/depthwise.ts) for a
 * depth multiplier of 1 and a multiple of 4 channels, otherwise the CPU backend's TypeScript
 * loops on views of the memory (a multiplier above 1, or 1–3 channels, are rare in practice).
 */
import type { Conv2DParams } from '../backend.js';
import { depthwiseGeometry } from '../conv-geometry.js';
import { sizeOf, type Shape } from '../../tensor/shape.js';
import * as ts from '../cpu/depthwise-conv2d.js';
import type { KernelRunner } from './kernel-runner.js';
import { depthwiseKernelModule, type DepthwiseVariant } from './kernels/depthwise.js';
import type { WasmTensorRef } from './wasm-conv.js';

const view = (runner: KernelRunner, address: number, size: number): Float32Array => new Float32Array(runner.memory.buffer, address, size);
const host = (runner: KernelRunner, t: WasmTensorRef) => ({ data: view(runner, t.address, sizeOf(t.shape)), shape: t.shape });

type Geometry = ReturnType<typeof depthwiseGeometry>;

function simd(g: Geometry): boolean {
  return g.multiplier === 1 && g.inC % 4 === 0;
}

function kernel(runner: KernelRunner, g: Geometry, v: DepthwiseVariant) {
  const { key, module } = depthwiseKernelModule(g, v, runner.memory);
  return runner.load(key, module);
}

export function depthwiseInto(runner: KernelRunner, x: WasmTensorRef, filter: WasmTensorRef, bias: WasmTensorRef | null, p: Conv2DParams, relu: boolean, out: number): void {
  const g = depthwiseGeometry('wasm.depthwiseConv2d', x.shape, filter.shape, p);
  const outSize = g.batch * g.outH * g.outW * g.outC;
  if (outSize === 0) return;
  if (!simd(g) || sizeOf(x.shape) === 0) {
    const b = bias === null ? null : view(runner, bias.address, g.outC);
    ts.depthwiseConv2d(host(runner, x), host(runner, filter), p, { bias: b, relu, dtype: 'float32' }, view(runner, out, outSize));
    return;
  }
  const k = kernel(runner, g, { bias: bias !== null, relu });
  runner.parallelFor(k, 'forward', [x.address, filter.address, bias?.address ?? 0, out], g.batch * g.outH);
}

export function depthwiseBackpropInputInto(runner: KernelRunner, dy: WasmTensorRef, filter: WasmTensorRef, xShape: Shape, p: Conv2DParams, dx: number): void {
  const g = depthwiseGeometry('wasm.depthwiseConv2dBackpropInput', xShape, filter.shape, p);
  const size = sizeOf(xShape);
  if (size === 0) return;
  if (!simd(g) || sizeOf(dy.shape) === 0) {
    ts.depthwiseConv2dBackpropInput(host(runner, dy).data, host(runner, filter), xShape, p, 'float32', view(runner, dx, size));
    return;
  }
  runner.parallelFor(kernel(runner, g, { bias: false, relu: false }), 'inputGrad', [dy.address, filter.address, dx], g.batch * g.inH);
}

export function depthwiseBackpropFilterInto(runner: KernelRunner, x: WasmTensorRef, dy: WasmTensorRef, filterShape: Shape, p: Conv2DParams, dw: number): void {
  const g = depthwiseGeometry('wasm.depthwiseConv2dBackpropFilter', x.shape, filterShape, p);
  const size = sizeOf(filterShape);
  if (size === 0) return;
  if (!simd(g) || sizeOf(dy.shape) === 0) {
    ts.depthwiseConv2dBackpropFilter(host(runner, x), host(runner, dy).data, filterShape, p, 'float32', view(runner, dw, size));
    return;
  }
  runner.parallelFor(kernel(runner, g, { bias: false, relu: false }), 'filterGrad', [x.address, dy.address, dw, g.batch * g.outH], g.kh * g.kw);
}
