/**
 * The WebAssembly backend's one memory and its allocator. Every tensor and every scratch buffer
 * is a block (byte address, byte size) in one `WebAssembly.Memory`, so kernels read their
 * operands where they are and write their outputs in place: nothing is copied between ops.
 *
 * The memory is shared (`shared: true, maximum: 65536` pages) where SharedArrayBuffer exists, so
 * a thread pool can run kernels over it; otherwise it is a plain memory that may still grow to
 * wasm32's 4 GiB.
 *
 * Allocation: best fit over a list of free blocks kept sorted by address, every block a multiple
 * of 16 bytes at a 16-byte-aligned address (SIMD loads and stores of whole vectors). A freed block
 * is merged with free neighbours at once, so freed memory does not fragment into pieces too small
 * to reuse; a block larger than the request is split and the rest stays free. When no free block
 * fits, the memory grows by whole pages (at least doubling, to make growth rare) and the new bytes
 * join the free list, merged with a free block that ends where the memory used to end.
 *
 * Growth replaces `memory.buffer` (a plain memory detaches the old one; a shared one keeps the old
 * length): typed-array views must be made after the op's last allocation (see `f32`).
 */
import type { ScratchAllocator } from './kernel-runner.js';

const PAGE = 65536;
/** wasm32 addresses 2^32 bytes: 65,536 pages of 64 KiB. */
export const MAX_PAGES = 65536;
export const MAX_BYTES = MAX_PAGES * PAGE;
const ALIGN = 16;

/**
 * A memory as the backend wants it: shared where SharedArrayBuffer exists, else plain. A shared
 * memory reserves its maximum (4 GiB of address space) up front; an engine that cannot (a 32-bit
 * browser) gets a plain memory, which reserves nothing and still grows.
 */
export function createWasmMemory(initialPages = 16, shared = typeof SharedArrayBuffer === 'function'): WebAssembly.Memory {
  if (shared) {
    try {
      return new WebAssembly.Memory({ initial: initialPages, maximum: MAX_PAGES, shared: true });
    } catch {
      // Fall through to a plain memory.
    }
  }
  return new WebAssembly.Memory({ initial: initialPages, maximum: MAX_PAGES });
}

interface FreeBlock {
  address: number;
  bytes: number;
}

/** Bytes rounded up to whole 16-byte units (0 stays 0). */
export function alignedBytes(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}

export class WasmMemory implements ScratchAllocator {
  /** Free blocks, sorted by address, never adjacent (adjacent ones are merged). */
  private readonly freeList: FreeBlock[] = [];
  /** Live blocks: address → aligned size. */
  private readonly live = new Map<number, number>();
  private liveBytes = 0;

  constructor(readonly memory: WebAssembly.Memory) {
    // Address 0 is never handed out (the first 16 bytes stay reserved), so 0 can mean "no block".
    const end = memory.buffer.byteLength;
    if (end > ALIGN) this.freeList.push({ address: ALIGN, bytes: end - ALIGN });
  }

  /** Bytes held by live blocks (aligned sizes). */
  bytesInUse(): number {
    return this.liveBytes;
  }

  /** Bytes the memory has now (live, free and the reserved head). */
  capacity(): number {
    return this.memory.buffer.byteLength;
  }

  /** Free blocks, in address order (for tests of reuse and merging). */
  freeBlocks(): readonly Readonly<FreeBlock>[] {
    return this.freeList.map((b) => ({ ...b }));
  }

  /**
   * The byte address of a new block of at least `bytes` bytes, 16-byte aligned, contents
   * undefined. `what` names the tensor in the error raised when it cannot fit under 4 GiB.
   */
  alloc(bytes: number, what = 'a scratch buffer'): number {
    if (!(Number.isInteger(bytes) && bytes >= 0)) throw new Error(`wasm.alloc: ${what}: ${bytes} is not a byte count`);
    const size = Math.max(ALIGN, alignedBytes(bytes));
    if (size > MAX_BYTES - ALIGN) {
      throw new Error(`wasm: ${what} needs ${bytes} bytes, more than a wasm32 memory holds (4 GiB); use a smaller batch or image`);
    }
    let best = this.bestFit(size);
    if (best < 0) {
      this.grow(size, bytes, what);
      best = this.bestFit(size);
      if (best < 0) throw new Error(`wasm.alloc: ${what}: no free block of ${size} bytes after growing (allocator bug)`);
    }
    const block = this.freeList[best]!;
    const address = block.address;
    if (block.bytes === size) this.freeList.splice(best, 1);
    else {
      block.address += size;
      block.bytes -= size;
    }
    this.live.set(address, size);
    this.liveBytes += size;
    return address;
  }

  /** Returns a block from `alloc` to the free list, merged with free neighbours. */
  free(address: number): void {
    const size = this.live.get(address);
    if (size === undefined) throw new Error(`wasm.free: no live block at address ${address} (freed twice, or never allocated)`);
    this.live.delete(address);
    this.liveBytes -= size;
    this.insertFree(address, size);
  }

  /** Index of the smallest free block of at least `size` bytes (the first of equals), or -1. */
  private bestFit(size: number): number {
    let best = -1;
    let bestBytes = Infinity;
    for (let i = 0; i < this.freeList.length; i++) {
      const b = this.freeList[i]!.bytes;
      if (b >= size && b < bestBytes) {
        best = i;
        bestBytes = b;
        if (b === size) break;
      }
    }
    return best;
  }

  private insertFree(address: number, bytes: number): void {
    const list = this.freeList;
    // Binary search for the first free block after `address`.
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.address < address) lo = mid + 1;
      else hi = mid;
    }
    const prev = list[lo - 1];
    const next = list[lo];
    const joinsPrev = prev !== undefined && prev.address + prev.bytes === address;
    const joinsNext = next !== undefined && address + bytes === next.address;
    if (joinsPrev && joinsNext) {
      prev.bytes += bytes + next.bytes;
      list.splice(lo, 1);
    } else if (joinsPrev) prev.bytes += bytes;
    else if (joinsNext) {
      next.address = address;
      next.bytes += bytes;
    } else list.splice(lo, 0, { address, bytes });
  }

  /** Grows the memory so that a free block of `size` bytes exists at its end. */
  private grow(size: number, requested: number, what: string): void {
    const oldEnd = this.memory.buffer.byteLength;
    const last = this.freeList[this.freeList.length - 1];
    const tailFree = last !== undefined && last.address + last.bytes === oldEnd ? last.bytes : 0;
    const needPages = Math.ceil((size - tailFree) / PAGE);
    const oldPages = oldEnd / PAGE;
    const maxPages = MAX_PAGES - oldPages;
    if (needPages > maxPages) {
      throw new Error(
        `wasm: ${what} needs ${requested} bytes; with ${this.liveBytes} bytes live the wasm32 memory (4 GiB) cannot hold it`,
      );
    }
    // At least double (amortised growth), but never past the maximum.
    const pages = Math.min(maxPages, Math.max(needPages, oldPages));
    try {
      this.memory.grow(pages);
    } catch {
      // The engine may refuse less than the maximum (a browser tab's limit): try the exact need.
      try {
        this.memory.grow(needPages);
      } catch (e) {
        throw new Error(`wasm: ${what} needs ${requested} bytes; the engine refused to grow the memory past ${oldEnd} bytes (${(e as Error).message})`);
      }
    }
    const newEnd = this.memory.buffer.byteLength;
    this.insertFree(oldEnd, newEnd - oldEnd);
  }
}
