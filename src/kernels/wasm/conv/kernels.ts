/**
 * What the convolution drivers share: the per-process cache of compiled modules (keyed by
 * everything a module bakes in), scratch blocks freed together, and the calls of the indirect
 * GEMM and the direct kernel through the runner.
 */
import type { WasmFeatures } from '../features.js';
import { isSharedMemory } from '../memory-import.js';
import type { KernelHandle, KernelRunner, ScratchAllocator } from '../kernel-runner.js';
import { directConvModule } from './direct.js';
import { geometryKey, type ConvGeometry } from './geometry.js';
import { blockColumns, DEFAULT_BLOCK, igemmModule, packTail, paddedColumns, panelFloats, tailFloats, type IgemmOptions, type IgemmShape } from './igemm.js';

/** The backend's side of a call (structurally WasmConvContext). */
export interface ConvContext {
  runner: KernelRunner;
  scratch: ScratchAllocator;
  features: WasmFeatures;
}

import { cachedModule } from '../module-cache.js';

export { cachedModule };

export function isShared(ctx: ConvContext): boolean {
  return isSharedMemory(ctx.runner.memory);
}

export function directKernel(ctx: ConvContext, g: ConvGeometry, bias: boolean, relu: boolean): KernelHandle {
  const shared = isShared(ctx);
  const key = `conv-direct:${geometryKey(g)}:${bias ? 'b' : ''}${relu ? 'r' : ''}:${shared ? 'shared' : 'own'}`;
  return ctx.runner.load(key, cachedModule(key, () => directConvModule(g, bias, relu, shared)));
}

/** Scratch blocks for one call, freed together. */
export class Scratch {
  private readonly held: number[] = [];
  constructor(private readonly ctx: ConvContext) {}
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
export function igemmKernel(ctx: ConvContext, s: IgemmShape, o: IgemmOptions): KernelHandle {
  const shared = isShared(ctx);
  const key = `conv-igemm:${s.P},${s.T},${s.K},${s.N}:${o.rows}x${o.vecs}u${o.unroll}${o.batches !== undefined ? `x${o.batches}` : ''}${o.strides !== undefined ? `s${o.strides.a},${o.strides.b},${o.strides.out}` : ''}:${o.fma ? 'fma' : 'muladd'}:${o.bias ? 'b' : ''}${o.relu ? 'r' : ''}:${shared ? 'shared' : 'own'}`;
  return ctx.runner.load(key, cachedModule(key, () => igemmModule(s, o, shared)));
}

/**
 * Bytes the indirection table of one chunk of images may take; larger batches run in chunks of
 * images (at batch 50, the 224×224 first layer's table would be 90 MB). Mutable for tests.
 */
export const igemmLimits = { tableBytes: 16 * 2 ** 20 };

/** Images per chunk for the GEMM `s` over `batch` images. */
export function igemmChunk(s: IgemmShape, batch: number): number {
  const perImage = (s.P / batch) * s.T * 4;
  return Math.max(1, Math.min(batch, Math.floor(igemmLimits.tableBytes / perImage)));
}

/** Where chunk [n0, n0 + images) of a batch reads and writes: its table and its output. */
export type IgemmPart = (n0: number, images: number) => { table: (ind: number, zero: number) => void; out: number };

/**
 * Runs the indirect GEMM of `s` (P pixels over `batch` images) with B (T·K rows of N floats) at
 * `b`, in chunks of images (igemmChunk): B's panels, the tail and the bias (N floats at that
 * address, copied padded) once, then per chunk its table and the kernel.
 */
export function runIgemm(
  ctx: ConvContext, s: IgemmShape, o: IgemmOptions, b: number, bias: number | null, scratch: Scratch, batch: number, part: IgemmPart,
): void {
  const perImage = s.P / batch;
  const chunk = igemmChunk(s, batch);
  const first = igemmKernel(ctx, { ...s, P: perImage * chunk }, o);
  const zero = scratch.alloc(s.K * 4);
  const ind = scratch.alloc(perImage * chunk * s.T * 4);
  const tail = scratch.alloc(tailFloats(s, o.vecs) * 4);
  const biasAt = scratch.alloc(paddedColumns(s.N) * 4);
  const panels = scratch.alloc(panelFloats(s, o.vecs) * 4);
  scratch.f32(zero, s.K).fill(0);
  packTail(scratch.f32(tail, tailFloats(s, o.vecs)), scratch.f32(b, s.T * s.K * s.N), s, o.vecs);
  ctx.runner.parallelFor(first, 'packPanels', [b, panels], blockColumns(s.N, o.vecs) / (4 * o.vecs));
  const padded = scratch.f32(biasAt, paddedColumns(s.N)).fill(0);
  if (bias !== null) padded.set(scratch.f32(bias, s.N));
  for (let n0 = 0; n0 < batch; n0 += chunk) {
    const images = Math.min(chunk, batch - n0);
    const P = perImage * images;
    const kernel = images === chunk ? first : igemmKernel(ctx, { ...s, P }, o);
    const { table, out } = part(n0, images);
    table(ind, zero);
    ctx.runner.parallelFor(kernel, 'igemm', [ind, panels, tail, biasAt, out], Math.ceil(P / o.rows));
  }
}

/**
 * The batched GEMMs (o.batches of them) of A (batches·P rows of K) by B into out. B is already in
 * panel layout (each batch K·N floats of whole-block panels), so N must be whole blocks.
 */
export function runIgemmBatched(
  ctx: ConvContext, s: IgemmShape, kernel: KernelHandle, o: IgemmOptions, a: number, b: number, out: number,
): void {
  const batches = o.batches ?? 1;
  if (blockColumns(s.N, o.vecs) !== s.N) throw new Error(`wasm conv: batched GEMM over ${s.N} columns, not whole blocks of ${4 * o.vecs}`);
  ctx.runner.parallelFor(kernel, 'igemm', [a, b, 0, 0, out], batches * Math.ceil(s.P / o.rows));
}

export function igemmOptions(ctx: ConvContext, bias: boolean, relu: boolean, batches?: number): IgemmOptions {
  return { ...DEFAULT_BLOCK, bias, relu, fma: ctx.features.relaxedSimd, ...(batches !== undefined ? { batches } : {}) };
}

