/**
 * Windows: a range of a (possibly chunked) storage presented to a kernel as one binding.
 *
 * The GEMM kernels split large problems into pieces whose operand ranges each fit in one chunk
 * (see matmul.ts and conv2d.ts). A range inside one chunk is bound directly; a range that crosses
 * a chunk boundary is copied into a temporary buffer first (and copied back afterwards when the
 * kernel writes it). Either way the kernel addresses the window as `global index + delta`,
 * computed in wrapping u32 arithmetic, so the same shader serves whole tensors and pieces.
 * Temporaries keep the range's position modulo 4, so vec4 accesses stay aligned.
 */
import type { GpuExecutor } from './executor.js';
import { chunkLength, type GpuStorage } from './gpu-storage.js';

export interface Window {
  /** A single-chunk storage to bind. */
  storage: GpuStorage;
  /** Added (mod 2³²) to a global element index of the source to get the index in `storage`. */
  delta: number;
  temp: boolean;
}

/** Longest range a window can hold (a temporary needs up to 3 elements of alignment padding). */
export function windowCapacity(chunkElems: number): number {
  return chunkElems - 3;
}

/** Whether a window can hold [start, start + length) of `s` (inside one chunk, or short enough to copy). */
export function fitsWindow(s: GpuStorage, start: number, length: number): boolean {
  const ce = s.chunkElems;
  return Math.floor(start / ce) === Math.floor((start + length - 1) / ce) || length + (start % 4) <= ce;
}

/** The one chunk of `s` as a storage of its own (shares the buffer; never freed separately). */
function chunkView(s: GpuStorage, k: number): GpuStorage {
  return { chunks: [s.chunks[k]!], chunkElems: s.chunkElems, size: chunkLength(s, k), released: false };
}

/** A range of elements of a storage: [start, start + length). */
export interface Span {
  storage: GpuStorage;
  start: number;
  length: number;
}

/** Opens a window on a span of a storage; `copyIn` fills a temporary from it. */
export function openWindow(ex: GpuExecutor, kernel: string, span: Span, copyIn: boolean): Window {
  const { storage: s, start, length } = span;
  const ce = s.chunkElems;
  if (length <= 0) throw new Error(`${kernel}: empty window (a kernel bug)`);
  const c0 = Math.floor(start / ce);
  const c1 = Math.floor((start + length - 1) / ce);
  if (c0 === c1) return { storage: s.chunks.length === 1 ? s : chunkView(s, c0), delta: -c0 * ce, temp: false };
  const pad = start % 4;
  if (length + pad > ce) throw new Error(`${kernel}: a window of ${length} elements exceeds one binding (${ce}) (a kernel bug)`);
  const t = ex.alloc(length + pad);
  if (copyIn) ex.copyRange(kernel, { storage: s, start }, { storage: t, start: pad }, length);
  return { storage: t, delta: pad - start, temp: true };
}

/** Closes a window on `span`: copies a written temporary back into the span and frees it. */
export function closeWindow(ex: GpuExecutor, kernel: string, w: Window, span: Span, copyOut: boolean): void {
  if (!w.temp) return;
  const { storage: s, start, length } = span;
  if (copyOut) ex.copyRange(kernel, { storage: w.storage, start: start + w.delta }, { storage: s, start }, length);
  ex.free(w.storage);
}

/** `delta` as the u32 kernels add to global indices. */
export function deltaParam(w: Window): number {
  return w.delta >>> 0;
}
