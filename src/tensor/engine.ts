/**
 * The engine: which backend new tensors go to, and `execute`, the one path from an op to a kernel.
 * `execute` checks what every op must check (live inputs, one backend, one dtype) so that the
 * error names the op and the shapes, then wraps the kernel's storage in a Tensor.
 *
 * The engine knows backends only through the `Backend` interface: the default one is injected
 * (`setDefaultBackendFactory`) by the entry points (src/default-backend.ts registers the CPU), so
 * tensor/ depends on no backend implementation.
 */
import type { Backend, Storage, TensorInfo } from '../kernels/backend.js';
import type { DType } from './dtype.js';
import { assertValidShape, formatShape, type Shape } from './shape.js';
import { Tensor } from './tensor.js';

let defaultFactory: (() => Backend) | null = null;
let current: Backend | null = null;

/**
 * Names the backend `getBackend` falls back to until `setBackend` is called. The factory runs at
 * most once, on first use, so registering costs nothing for a program that never needs it.
 */
export function setDefaultBackendFactory(factory: () => Backend): void {
  defaultFactory = factory;
}

/** The backend that creation functions use when none is named: the registered default until set. */
export function getBackend(): Backend {
  if (current) return current;
  if (!defaultFactory) {
    throw new Error(
      "no backend: none was set with setBackend() and no default is registered (importing 'stieltjes' registers the CPU backend)",
    );
  }
  return (current = defaultFactory());
}

export function setBackend(backend: Backend): void {
  current = backend;
}

/** Runs fn with `backend` as the default backend, restoring the previous one afterwards. */
export function withBackend<T>(backend: Backend, fn: () => T): T {
  const prev = current;
  current = backend;
  try {
    return fn();
  } finally {
    current = prev;
  }
}

/**
 * Validates inputs and runs a kernel. All inputs must be live, on one backend and of one dtype
 * (`dtype` defaults to theirs).
 */
export function execute(
  op: string,
  inputs: readonly Tensor[],
  shape: Shape,
  kernel: (backend: Backend, inputs: readonly TensorInfo[]) => Storage,
  dtype?: DType,
): Tensor {
  assertValidShape(op, shape);
  const backend = checkInputs(op, inputs);
  const outDType = dtype ?? inputs[0]?.dtype ?? 'float32';
  if (outDType === 'float64' && !backend.supportsFloat64) {
    throw new Error(`${op}: the ${backend.name} backend has no float64; use the CPU backend for float64`);
  }
  let storage: Storage;
  try {
    storage = kernel(backend, inputs);
  } catch (e) {
    throw kernelError(op, inputs, e);
  }
  return Tensor.fromStorage(backend, storage, shape, outDType);
}

/** Checks inputs are live and agree on backend and dtype; returns their backend. */
export function checkInputs(op: string, inputs: readonly Tensor[]): Backend {
  for (const t of inputs) {
    if (t.isDisposed) throw new Error(`${op}: input ${formatShape(t.shape)} (#${t.id}) has been disposed`);
  }
  const first = inputs[0];
  if (!first) return getBackend();
  for (const t of inputs) {
    if (t.backend !== first.backend) {
      throw new Error(
        `${op}: inputs live on different backends (${describe(first)} on ${first.backend.name}, ${describe(t)} on ${t.backend.name}); move one with toBackend()`,
      );
    }
    if (t.dtype !== first.dtype) {
      throw new Error(`${op}: inputs have different dtypes (${describe(first)} and ${describe(t)}); cast one first`);
    }
  }
  return first.backend;
}

export function describe(t: Tensor): string {
  return t.isDisposed ? `disposed ${formatShape(t.shape)}` : `${t.dtype} ${formatShape(t.shape)}`;
}

function kernelError(op: string, inputs: readonly Tensor[], e: unknown): Error {
  const msg = e instanceof Error ? e.message : String(e);
  if (msg.startsWith(op)) return e instanceof Error ? e : new Error(msg);
  const err = new Error(`${op} (${inputs.map(describe).join(', ')}): ${msg}`);
  (err as Error & { cause?: unknown }).cause = e;
  return err;
}
