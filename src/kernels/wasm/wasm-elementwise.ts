/**
 * Elementwise ops and reductions on the WebAssembly backend: the SIMD kernels
 * (kernels/elementwise.ts) where the op and the operands' layout suit them, otherwise the CPU
 * backend's TypeScript loops over views of the memory, writing into the output block.
 *
 * SIMD layouts: equal shapes; one operand a single element; one operand a row of C elements
 * (C a multiple of 4) repeated over the other's rows (a bias or per-channel scale on NHWC).
 * Reductions: a sum over leading axes with a multiple-of-4 remainder (bias gradients).
 */
import type { BinaryOp, ReduceOp, UnaryOp } from '../backend.js';
import { formatShape, sizeOf, type Shape } from '../../tensor/shape.js';
import { binary as binaryTs, unary as unaryTs } from '../cpu/elementwise.js';
import { reduce as reduceTs } from '../cpu/reduce.js';
import type { KernelRunner } from './kernel-runner.js';
import { elementwiseKernelModule, SIMD_BINARY, SIMD_UNARY } from './kernels/elementwise.js';

export interface Operand {
  address: number;
  shape: Shape;
}

const view = (runner: KernelRunner, address: number, size: number): Float32Array => new Float32Array(runner.memory.buffer, address, size);

const vectors = (n: number): number => Math.ceil(n / 4);

/** Grain of the vector loops: about 16 KiB per chunk, so a thread pool does not split tiny maps. */
const VECTOR_GRAIN = 1024;

export function unaryInto(runner: KernelRunner, op: UnaryOp, x: number, out: number, size: number): void {
  if (size === 0) return;
  if (SIMD_UNARY.has(op)) {
    const kernel = runner.load(`unary:${op}`, elementwiseKernelModule('unary', op, runner.memory));
    runner.parallelFor(kernel, 'map', [x, out], vectors(size), VECTOR_GRAIN);
    return;
  }
  unaryTs(op, view(runner, x, size), 'float32', view(runner, out, size));
}

/** The length of `row` if it is a row of the output (leading axes 1, the rest the output's last axes), else 0. */
function rowLength(row: Shape, outShape: Shape): number {
  let lead = 0;
  while (lead < row.length && row[lead] === 1) lead++;
  const tail = row.slice(lead);
  const outTail = outShape.slice(outShape.length - tail.length);
  if (tail.length === 0 || tail.length > outShape.length || tail.some((d, i) => d !== outTail[i])) return 0;
  return sizeOf(tail);
}

export function binaryInto(runner: KernelRunner, op: BinaryOp, a: Operand, b: Operand, out: number, outShape: Shape): void {
  const n = sizeOf(outShape);
  if (n === 0) return;
  const [na, nb] = [sizeOf(a.shape), sizeOf(b.shape)];
  if (SIMD_BINARY.has(op)) {
    const kernel = runner.load(`binary:${op}`, elementwiseKernelModule('binary', op, runner.memory));
    const args = [a.address, b.address, out];
    if (na === n && nb === n) return runner.parallelFor(kernel, 'same', args, vectors(n), VECTOR_GRAIN);
    if (na === n && nb === 1) return runner.parallelFor(kernel, 'scalarB', args, vectors(n), VECTOR_GRAIN);
    if (nb === n && na === 1) return runner.parallelFor(kernel, 'scalarA', args, vectors(n), VECTOR_GRAIN);
    const C = na === n ? rowLength(b.shape, outShape) : nb === n ? rowLength(a.shape, outShape) : 0;
    if (C > 0 && C % 4 === 0) {
      const name = na === n ? 'rowB' : 'rowA';
      return runner.parallelFor(kernel, name, [...args, C], n / C, Math.max(1, Math.floor((VECTOR_GRAIN * 4) / C)));
    }
  }
  binaryTs(op, { data: view(runner, a.address, na), shape: a.shape }, { data: view(runner, b.address, nb), shape: b.shape }, outShape, 'float32', view(runner, out, n));
}

export function reduceInto(runner: KernelRunner, op: ReduceOp, x: Operand, axes: readonly number[], out: number): void {
  const shape = x.shape;
  for (const a of axes) {
    if (!Number.isInteger(a) || a < 0 || a >= shape.length) throw new Error(`wasm.reduce: axis ${a} is out of range for shape ${formatShape(shape)}`);
  }
  const outSize = sizeOf(shape.filter((_, i) => !axes.includes(i)));
  if (outSize === 0) return;
  const n = sizeOf(shape);
  // A sum over leading axes 0..k−1 (axes sorted and unique, as the op passes them).
  const leading = axes.length > 0 && axes.every((a, i) => a === i) && axes.length < shape.length;
  if (op === 'sum' && leading && outSize % 4 === 0 && n > 0) {
    const kernel = runner.load('sumRows', elementwiseKernelModule('sumRows', 'sum', runner.memory));
    runner.parallelFor(kernel, 'sumRows', [x.address, out, n / outSize, outSize], outSize / 4, 64);
    return;
  }
  reduceTs(op, view(runner, x.address, n), shape, axes, 'float32', view(runner, out, outSize));
}
