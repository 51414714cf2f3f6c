/**
 * Reuses GPU buffers by size class. Creating and destroying buffers costs driver calls and, on
 * real GPUs, memory zeroing; a forward + backward pass allocates the same sizes over and over,
 * so freed buffers wait in per-class free lists. Classes are a quarter octave apart (at most 25%
 * slack) so that slightly different sizes still share buffers.
 *
 * Reuse is safe without fences: a buffer comes back to the pool when its tensor is freed, possibly
 * while commands reading it are still pending. Everything the backend does to a buffer goes
 * through the one queue in submission order (dispatches into the open command encoder, which is
 * submitted before any queue.writeBuffer — see GpuExecutor.writeStorage), so whatever writes into
 * the recycled buffer executes after every command that read its old contents. Buffers the pool
 * drops (over `maxPooledBytes`) are destroyed only after the encoder that may still use them has
 * been submitted: destroying a buffer that submitted work uses is allowed (the implementation
 * waits for that work), destroying one that an unsubmitted encoder uses would fail the submit.
 */
import { BufferUsage } from './webgpu-constants.js';

export interface PoolStats {
  /** Bytes in buffers handed out and not yet released. */
  inUse: number;
  /** Bytes in buffers waiting in the free lists. */
  pooled: number;
  /** Buffers created since the pool started (a flat count over repeated work means reuse). */
  created: number;
}

export class BufferPool {
  private readonly freeLists = new Map<number, GPUBuffer[]>();
  private inUseBytes = 0;
  private pooledBytes = 0;
  private createdCount = 0;

  /**
   * @param create makes a buffer of exactly `bytes` (the executor wraps it in error scopes).
   * @param destroyLater destroys a buffer once the commands already encoded have been submitted.
   */
  constructor(
    private readonly create: (bytes: number, usage: number) => GPUBuffer,
    private readonly destroyLater: (b: GPUBuffer) => void,
    private readonly maxPooledBytes: number,
  ) {}

  static readonly usage = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;

  /** A storage buffer of at least `bytes` (a size class), rounded to whole vec4s. */
  acquire(bytes: number): GPUBuffer {
    const cls = sizeClass(bytes);
    const list = this.freeLists.get(cls);
    const reused = list?.pop();
    if (reused) {
      this.pooledBytes -= cls;
      this.inUseBytes += cls;
      return reused;
    }
    const b = this.create(cls, BufferPool.usage);
    this.createdCount++;
    this.inUseBytes += cls;
    return b;
  }

  release(b: GPUBuffer): void {
    const cls = b.size;
    this.inUseBytes -= cls;
    if (this.pooledBytes + cls > this.maxPooledBytes) {
      this.destroyLater(b);
      return;
    }
    let list = this.freeLists.get(cls);
    if (!list) this.freeLists.set(cls, (list = []));
    list.push(b);
    this.pooledBytes += cls;
  }

  /** Destroys every pooled buffer (memory pressure, or shutting down). */
  trim(): void {
    for (const list of this.freeLists.values()) for (const b of list) this.destroyLater(b);
    this.freeLists.clear();
    this.pooledBytes = 0;
  }

  stats(): PoolStats {
    return { inUse: this.inUseBytes, pooled: this.pooledBytes, created: this.createdCount };
  }
}

/** Size classes: powers of two up to 4 KiB, then four steps per octave (≤ 25% slack). */
export function sizeClass(bytes: number): number {
  const b = Math.max(16, Math.ceil(bytes / 16) * 16);
  if (b <= 4096) return 2 ** Math.ceil(Math.log2(b));
  const octave = 2 ** Math.floor(Math.log2(b));
  const step = octave / 4;
  return Math.ceil(b / step) * step;
}
