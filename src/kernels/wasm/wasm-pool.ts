/**
 * Max pooling on the WebAssembly backend: the SIMD kernels (kernels/pool.ts) for a multiple of 4
 * channels (the backward pass only where windows do not overlap, VGG's 2×2 stride 2 among
 * them), otherwise the CPU backend's TypeScript loops on views of the memory. Average pooling
 * stays in TypeScript (rare in the models this serves).
 */
import type { Pool2DParams } from '../backend.js';
import { formatShape, sizeOf, type Shape } from '../../tensor/shape.js';
import { maxPool2d as maxPoolTs, maxPool2dBackward as maxPoolBackwardTs } from '../cpu/pool.js';
import type { KernelRunner } from './kernel-runner.js';
import { maxPoolKernelModule, type PoolGeometry } from './kernels/pool.js';

const view = (runner: KernelRunner, address: number, size: number): Float32Array => new Float32Array(runner.memory.buffer, address, size);

/** The geometry when the SIMD kernel applies (NHWC, channels a multiple of 4, a non-empty output), else null. */
function simdGeometry(xShape: Shape, p: Pool2DParams): PoolGeometry | null {
  if (xShape.length !== 4) throw new Error(`wasm.maxPool2d: expected an NHWC input, got ${formatShape(xShape)}`);
  const [batch, inH, inW, C] = xShape as [number, number, number, number];
  if (C % 4 !== 0 || batch * p.outHeight * p.outWidth * C === 0) return null;
  return { batch, inH, inW, C, p };
}

export function maxPoolInto(runner: KernelRunner, x: number, xShape: Shape, p: Pool2DParams, out: number): void {
  const g = simdGeometry(xShape, p);
  if (g === null) {
    const outSize = xShape[0]! * p.outHeight * p.outWidth * xShape[3]!;
    maxPoolTs(view(runner, x, sizeOf(xShape)), xShape, p, 'float32', view(runner, out, outSize));
    return;
  }
  const { key, module } = maxPoolKernelModule(g, runner.memory);
  runner.parallelFor(runner.load(key, module), 'forward', [x, out], g.batch * p.outHeight, 4);
}

export function maxPoolBackwardInto(runner: KernelRunner, x: number, xShape: Shape, dy: number, p: Pool2DParams, dx: number): void {
  const g = simdGeometry(xShape, p);
  const size = sizeOf(xShape);
  const overlapping = p.strides[0] < p.window[0] || p.strides[1] < p.window[1];
  if (g === null || overlapping) {
    const dySize = xShape[0]! * p.outHeight * p.outWidth * xShape[3]!;
    maxPoolBackwardTs(view(runner, x, size), xShape, view(runner, dy, dySize), p, 'float32', view(runner, dx, size));
    return;
  }
  // Cells no window covers (a stride larger than the window, clipped edges) get no gradient.
  view(runner, dx, size).fill(0);
  const { key, module } = maxPoolKernelModule(g, runner.memory);
  runner.parallelFor(runner.load(key, module), 'backward', [x, dy, dx], g.batch * p.outHeight, 4);
}
