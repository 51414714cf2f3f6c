/**
 * How a float32 tensor lives on the GPU: one or several GPUBuffers ("chunks"). A device only lets a
 * shader see `maxStorageBufferBindingSize` bytes of one binding (128 MiB on llvmpipe), while a
 * VGG19 dense kernel is 411 MB, so every storage is cut into chunks of at most `chunkElems`
 * elements. `chunkElems` is fixed per backend (derived from the device's limits, or forced small
 * by tests), so equal-sized tensors are always cut at the same places and a kernel only has to
 * know how many chunks each operand has: element i lives in chunk ⌊i / chunkElems⌋ at offset
 * i mod chunkElems. Shaders bind each chunk separately and pick the chunk per access
 * (see wgsl.ts); with one chunk, the common case, that compiles to a plain array access.
 */

export interface GpuStorage {
  /** Buffers holding elements [k·chunkElems, min((k+1)·chunkElems, size)). Empty when size is 0. */
  readonly chunks: readonly GPUBuffer[];
  /** Elements per chunk (every chunk but the last is full). */
  readonly chunkElems: number;
  /** Number of float32 elements. */
  readonly size: number;
  /** Set by `free`: catches use-after-free and double frees. */
  released: boolean;
}

export function chunkCount(size: number, chunkElems: number): number {
  return size === 0 ? 0 : Math.ceil(size / chunkElems);
}

/** Elements held by chunk k. */
export function chunkLength(s: Pick<GpuStorage, 'size' | 'chunkElems'>, k: number): number {
  return Math.min(s.chunkElems, s.size - k * s.chunkElems);
}

/** Bytes a shader binds for chunk k: whole vec4s, so that `array<vec4<f32>>` views are valid. */
export function chunkBindingBytes(s: Pick<GpuStorage, 'size' | 'chunkElems'>, k: number): number {
  return roundUp(chunkLength(s, k) * 4, 16);
}

export function roundUp(n: number, multiple: number): number {
  return Math.ceil(n / multiple) * multiple;
}

/** Narrows the Backend's opaque Storage, failing clearly on foreign or freed storage. */
export function asGpuStorage(op: string, s: unknown): GpuStorage {
  const g = s as GpuStorage | null;
  if (!g || typeof g !== 'object' || !Array.isArray(g.chunks) || typeof g.chunkElems !== 'number') {
    throw new Error(`${op}: storage does not belong to the WebGPU backend`);
  }
  if (g.released) throw new Error(`${op}: storage has already been freed`);
  return g;
}
