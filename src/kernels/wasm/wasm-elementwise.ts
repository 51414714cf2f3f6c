/**
 * Elementwise ops and reductions on the WebAssembly backend: the SIMD kernels
 * (kernels/elementwise.ts) where the op and the operands' layout suit them, otherwise the CPU
 * backend's TypeScript loops over views of the memory, writing into the output block.
 *
 * SIMD layouts: equal shapes; one operand a single element; or, with the output seen as rows of C
 * elements (C a multiple of 4, at some split of its axes), each operand whole, a row repeated over
 * the rows (a bias or per-channel scale on NHWC) or a column of one value per row (a per-example
 * scale), not both the same broadcast.
 * Reductions: a sum over leading axes with a multiple-of-4 remainder (bias gradients).
 */
import type { BinaryOp, ReduceOp, UnaryOp } from '../backend.js';
import { formatShape, sizeOf, type Shape } from '../../tensor/shape.js';
import { binary as binaryTs, unary as unaryTs } from '../cpu/elementwise.js';
import { reduce as reduceTs } from '../cpu/reduce.js';
import type { KernelRunner } from './kernel-runner.js';
import { elementwiseKernelModule, SIMD_BINARY, SIMD_UNARY, TWO_D, type OperandKind } from './kernels/elementwise.js';

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

/** How `shape` reads as the output split into [R = Π outShape[0..k), C = Π outShape[k..)], or null. */
function kindAt(shape: Shape, outShape: Shape, k: number): OperandKind | null {
  const s = [...new Array<number>(outShape.length - shape.length).fill(1), ...shape];
  const same = (from: number, to: number): boolean => s.slice(from, to).every((d, i) => d === outShape[from + i]);
  const ones = (from: number, to: number): boolean => s.slice(from, to).every((d) => d === 1);
  const [leadFull, tailFull] = [same(0, k), same(k, s.length)];
  if (leadFull && tailFull) return 'full';
  if (tailFull && ones(0, k)) return 'row';
  if (leadFull && ones(k, s.length)) return 'col';
  return null;
}

/** A split of the output into rows of C (a multiple of 4) under which a kernel reads both operands, or null. */
function twoD(a: Shape, b: Shape, outShape: Shape): { name: string; C: number } | null {
  for (let k = 1; k < outShape.length; k++) {
    const C = sizeOf(outShape.slice(k));
    if (C % 4 !== 0) continue;
    const [ka, kb] = [kindAt(a, outShape, k), kindAt(b, outShape, k)];
    const layout = TWO_D.find(([x, y]) => x === ka && y === kb);
    if (layout) return { name: layout[2], C };
  }
  return null;
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
    const layout = twoD(a.shape, b.shape, outShape);
    if (layout !== null) {
      const { name, C } = layout;
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
