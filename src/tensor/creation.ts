/** Creating tensors: from values, constants, ranges and seeded random values. */
import type { Backend } from '../kernels/backend.js';
import { arrayFor, type DType, type TypedArray } from './dtype.js';
import { getBackend } from './engine.js';
import { Random } from './random.js';
import { assertValidShape, formatShape, sizeOf, type Shape } from './shape.js';
import { Tensor } from './tensor.js';

export interface CreateOptions {
  dtype?: DType;
  backend?: Backend;
}

function target(op: string, opts: CreateOptions | undefined): { backend: Backend; dtype: DType } {
  const backend = opts?.backend ?? getBackend();
  const dtype = opts?.dtype ?? 'float32';
  if (dtype === 'float64' && !backend.supportsFloat64) {
    throw new Error(`${op}: the ${backend.name} backend has no float64; use the CPU backend for float64`);
  }
  return { backend, dtype };
}

function fromValues(op: string, values: TypedArray, shape: Shape, opts?: CreateOptions): Tensor {
  const { backend, dtype } = target(op, opts);
  assertValidShape(op, shape);
  return Tensor.fromStorage(backend, backend.upload(values, dtype), shape, dtype);
}

/**
 * A tensor from flat values (row-major) or a nested array. The shape defaults to the nesting
 * of `values` (a flat list becomes rank 1).
 */
export function tensor(values: ArrayLike<number> | NestedArray, shape?: Shape, opts?: CreateOptions): Tensor {
  const { flat, inferred } = flatten(values);
  const s = shape ?? inferred;
  if (sizeOf(s) !== flat.length) {
    throw new Error(`tensor: ${flat.length} values do not fill shape ${formatShape(s)} (${sizeOf(s)} elements)`);
  }
  const dtype = opts?.dtype ?? (values instanceof Float64Array ? 'float64' : 'float32');
  const arr = arrayFor(dtype, flat.length);
  arr.set(flat);
  return fromValues('tensor', arr, s, { ...opts, dtype });
}

/** Alias of `tensor` with the shape required. */
export function fromArray(values: ArrayLike<number>, shape: Shape, opts?: CreateOptions): Tensor {
  return tensor(values, shape, opts);
}

export function scalar(value: number, opts?: CreateOptions): Tensor {
  return tensor([value], [], opts);
}

export function full(shape: Shape, value: number, opts?: CreateOptions): Tensor {
  const { backend, dtype } = target('full', opts);
  assertValidShape('full', shape);
  return Tensor.fromStorage(backend, backend.fill(sizeOf(shape), value, dtype), shape, dtype);
}

export function zeros(shape: Shape, opts?: CreateOptions): Tensor {
  return full(shape, 0, opts);
}

export function ones(shape: Shape, opts?: CreateOptions): Tensor {
  return full(shape, 1, opts);
}

/** [start, start + step, …) up to but excluding stop; `arange(n)` is 0..n-1. */
export function arange(start: number, stop?: number, step = 1, opts?: CreateOptions): Tensor {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  if (step === 0) throw new Error('arange: step must not be 0');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const { dtype } = target('arange', opts);
  const arr = arrayFor(dtype, n);
  for (let i = 0; i < n; i++) arr[i] = start + i * step;
  return fromValues('arange', arr, [n], opts);
}

/** n evenly spaced values from start to stop inclusive. */
export function linspace(start: number, stop: number, n: number, opts?: CreateOptions): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new Error(`linspace: n must be a non-negative integer, got ${n}`);
  const { dtype } = target('linspace', opts);
  const arr = arrayFor(dtype, n);
  for (let i = 0; i < n; i++) arr[i] = n === 1 ? start : start + ((stop - start) * i) / (n - 1);
  return fromValues('linspace', arr, [n], opts);
}

export interface RandomOptions extends CreateOptions {
  seed?: number;
}

export function randomUniform(shape: Shape, min = 0, max = 1, opts?: RandomOptions): Tensor {
  const { dtype } = target('randomUniform', opts);
  const rng = new Random(opts?.seed ?? 0);
  const arr = arrayFor(dtype, sizeOf(shape));
  for (let i = 0; i < arr.length; i++) arr[i] = rng.uniform(min, max);
  return fromValues('randomUniform', arr, shape, opts);
}

export function randomNormal(shape: Shape, mean = 0, std = 1, opts?: RandomOptions): Tensor {
  const { dtype } = target('randomNormal', opts);
  const rng = new Random(opts?.seed ?? 0);
  const arr = arrayFor(dtype, sizeOf(shape));
  for (let i = 0; i < arr.length; i++) arr[i] = rng.normal(mean, std);
  return fromValues('randomNormal', arr, shape, opts);
}

/** [indices.length, depth] with a 1 at (i, indices[i]). */
export function oneHot(indices: readonly number[], depth: number, opts?: CreateOptions): Tensor {
  const { dtype } = target('oneHot', opts);
  const arr = arrayFor(dtype, indices.length * depth);
  indices.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 0 || c >= depth) {
      throw new Error(`oneHot: index ${c} is out of range [0, ${depth})`);
    }
    arr[i * depth + c] = 1;
  });
  return fromValues('oneHot', arr, [indices.length, depth], opts);
}

export type NestedArray = number | readonly NestedArray[];

function flatten(values: ArrayLike<number> | NestedArray): { flat: ArrayLike<number>; inferred: number[] } {
  if (typeof values === 'number') return { flat: [values], inferred: [] };
  if (ArrayBuffer.isView(values)) return { flat: values as ArrayLike<number>, inferred: [(values as ArrayLike<number>).length] };
  const arr = values as readonly NestedArray[];
  if (arr.length === 0 || typeof arr[0] === 'number') return { flat: arr as number[], inferred: [arr.length] };
  const shape: number[] = [];
  let probe: NestedArray = arr;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = (probe as readonly NestedArray[])[0]!;
  }
  const flat: number[] = [];
  const walk = (v: NestedArray, depth: number): void => {
    if (typeof v === 'number') {
      if (depth !== shape.length) throw new Error('tensor: ragged nested array');
      flat.push(v);
      return;
    }
    if (v.length !== shape[depth]) throw new Error('tensor: ragged nested array');
    for (const x of v) walk(x, depth + 1);
  };
  walk(arr, 0);
  return { flat, inferred: shape };
}
