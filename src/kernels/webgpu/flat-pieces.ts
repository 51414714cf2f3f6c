/**
 * Runs a flat kernel (one invocation per element, or per vec4, of an iteration space) over
 * operands of any size. Every operand is addressed as
 *   linear:  p.<name>o + i        scalar: p.<name>o        strided: p.<name>o + Σ c_d · stride_d
 * where i is the iteration index (c_d its coordinates) and p.<name>o the operand's base offset.
 *
 * When all operands are single buffers this is one dispatch. Otherwise the iteration space is
 * cut into pieces of one chunk each; per piece every operand gets a window over the range the
 * piece touches (windows.ts) — for linear operands exactly one chunk — and only a strided
 * operand whose range is wider than a binding is bound whole, chunk by chunk. So elementwise
 * ops on tensors of any size need at most one binding per operand.
 */
import type { Dispatch, GpuExecutor } from './executor.js';
import type { GpuStorage } from './gpu-storage.js';
import { boundingRange, type Addressing } from './strided-index.js';
import { closeWindow, fitsWindow, openWindow, type Window } from './windows.js';
import type { ElemType } from './wgsl.js';

export interface FlatOperand {
  name: string;
  storage: GpuStorage;
  mode: Addressing;
  /** Per axis of the iteration shape (strided operands). */
  strides: readonly number[];
  /** Element index at iteration index 0. */
  base: number;
  type: ElemType;
  write?: boolean;
}

export interface FlatKernel {
  kernel: string;
  label: string;
  variant: string;
  /** Iteration shape (after collapsing); its size is the element count. */
  shape: readonly number[];
  operands: readonly FlatOperand[];
  /** Kernel parameters besides start, end and the operand offsets. */
  params: Dispatch['params'];
  /**
   * Elements per invocation: 4 when the kernel works on vec4s (then every linear or written
   * operand must be vec4-typed and offsets are passed in vec4 units).
   */
  lanes: 1 | 4;
  workgroupSize: number;
  /** WGSL using p.start, p.end (iteration units) and p.<name>o. */
  body: () => string;
}

export function runFlat(ex: GpuExecutor, k: FlatKernel): void {
  const count = k.shape.reduce((a, b) => a * b, 1);
  if (count === 0) return;
  const single = k.operands.every((o) => o.storage.chunks.length <= 1);
  if (single) {
    dispatchPiece(ex, k, 0, count, k.operands.map((o) => ({ storage: o.storage, delta: 0, temp: false })));
    return;
  }
  for (let i0 = 0; i0 < count; i0 += ex.chunkElems) {
    const i1 = Math.min(count, i0 + ex.chunkElems);
    const ranges = k.operands.map((o) => rangeOf(k.shape, o, i0, i1));
    const windows = k.operands.map((o, j) => {
      const [lo, hi] = ranges[j]!;
      if (!fitsWindow(o.storage, lo, hi - lo)) return { storage: o.storage, delta: 0, temp: false };
      // A written operand keeps what the piece does not overwrite (strided writes).
      return openWindow(ex, k.label, { storage: o.storage, start: lo, length: hi - lo }, !o.write || o.mode !== 'linear');
    });
    dispatchPiece(ex, k, i0, i1, windows);
    k.operands.forEach((o, j) => {
      const [lo, hi] = ranges[j]!;
      closeWindow(ex, k.label, windows[j]!, { storage: o.storage, start: lo, length: hi - lo }, o.write === true);
    });
  }
}

function rangeOf(shape: readonly number[], o: FlatOperand, i0: number, i1: number): [number, number] {
  if (o.mode === 'scalar') return [o.base, o.base + 1];
  if (o.mode === 'linear') return [o.base + i0, o.base + i1];
  return boundingRange(shape, o.strides, o.base, i0, i1);
}

function dispatchPiece(ex: GpuExecutor, k: FlatKernel, i0: number, i1: number, windows: readonly Window[]): void {
  const lanes = k.lanes;
  const n = (i1 - i0) / lanes;
  // Signed until divided into vec4 units, then wrapped to u32 (the shader's index + offset wraps).
  const offsets = k.operands.map((o, j) => {
    const off = o.base + windows[j]!.delta;
    return [`${o.name}o`, o.type === 'vec4' ? off / 4 : off] as [string, number];
  });
  for (const entry of offsets) {
    if (!Number.isInteger(entry[1])) throw new Error(`${k.label}: misaligned vec4 operand ${entry[0]} (a kernel bug)`);
    entry[1] = entry[1] >>> 0;
  }
  ex.dispatch({
    kernel: k.kernel,
    label: k.label,
    variant: k.variant,
    operands: k.operands.map((o, j) => ({ name: o.name, storage: windows[j]!.storage, type: o.type, write: o.write })),
    params: [['start', i0 / lanes], ['end', i1 / lanes], ...offsets, ...k.params],
    workgroups: ex.grid(Math.ceil(n / k.workgroupSize)),
    body: k.body,
  });
}
