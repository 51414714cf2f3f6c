/**
 * Kernel time as the GPU itself measures it, on devices with the 'timestamp-query' feature
 * (`WebGpuBackend.timeKernels`).
 *
 * Why: the benchmarks time kernels from the host (launch back to back, wait, divide), which
 * also counts submission, the wait's round trip and whatever else shares the GPU or the process.
 * On an H200 a batch-1 convolution takes 0.1–0.5 ms, the same code measured up to 2.3× apart
 * within one run, and our kernels ran 20–45% slower inside the TF.js comparison than alone; GPU
 * timestamps around each kernel settle which part of such a gap is the kernel's. TF.js reports
 * the same quantity (`tf.time(f).kernelMs`, one timestamped pass per kernel), so the two can be
 * compared like for like.
 *
 * How: while timing, every dispatch gets a compute pass of its own whose beginning and end write
 * a timestamp pair into a query set. When the set is full (or timing stops) the pairs are resolved
 * into a buffer, copied to a staging buffer and submitted; the staging buffer is mapped after the
 * submission (a buffer waiting to be mapped may not be used by a later submission). Submissions run
 * in order, so the query set and the resolve buffer are reused safely. Adapters without GPUs
 * (llvmpipe through OpenGL ES) lack the feature; Dawn's Null backend has it but writes arbitrary
 * values; Chrome has it, even on its SwiftShader adapter (the browser suite times kernels there),
 * but rounds timestamps to 100 µs unless started with --enable-unsafe-webgpu. Dawn also rounds
 * them unless its 'timestamp_quantization' toggle is off (device.ts turns it off in Node).
 */
import type { DispatchTime } from './dispatch-records.js';
import { BufferUsage, MapMode } from './webgpu-constants.js';

/** Timestamp pairs per query set (two queries each; WebGPU allows 4,096 queries per set). */
const PAIRS = 256;

export class GpuTimer {
  private readonly querySet: GPUQuerySet;
  private readonly resolveBuffer: GPUBuffer;
  /** Dispatches whose timestamps are in the query set, in pair order, not yet resolved. */
  private pending: { kernel: string; label: string }[] = [];
  private readonly batches: Promise<DispatchTime[]>[] = [];
  private readonly stagings: GPUBuffer[] = [];

  constructor(private readonly device: GPUDevice) {
    this.querySet = device.createQuerySet({ type: 'timestamp', count: 2 * PAIRS, label: 'stieltjes kernel timer' });
    this.resolveBuffer = device.createBuffer({ size: 16 * PAIRS, usage: BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC });
  }

  /** The descriptor of the pass that will hold the next dispatch. */
  passFor(kernel: string, label: string): GPUComputePassDescriptor {
    const i = this.pending.length;
    if (i >= PAIRS) throw new Error(`${label}: the kernel timer's query set is full (it must be resolved first)`);
    this.pending.push({ kernel, label });
    return { timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } };
  }

  get full(): boolean {
    return this.pending.length >= PAIRS;
  }

  /**
   * Encodes the resolve of the pairs so far and a copy to a new staging buffer. Returns the
   * function to call once the encoder has been submitted (it starts the mapping), or null when
   * there is nothing to resolve.
   */
  resolve(encoder: GPUCommandEncoder): (() => void) | null {
    const which = this.pending;
    if (which.length === 0) return null;
    this.pending = [];
    const bytes = 16 * which.length;
    encoder.resolveQuerySet(this.querySet, 0, 2 * which.length, this.resolveBuffer, 0);
    const staging = this.device.createBuffer({ size: bytes, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    this.stagings.push(staging);
    encoder.copyBufferToBuffer(this.resolveBuffer, 0, staging, 0, bytes);
    return () => {
      this.batches.push(
        staging.mapAsync(MapMode.READ).then(() => {
          const t = new BigUint64Array(staging.getMappedRange().slice(0));
          staging.unmap();
          return which.map((d, i) => ({ ...d, ms: durationMs(t[2 * i]!, t[2 * i + 1]!) }));
        }),
      );
    };
  }

  /**
   * Every timed dispatch in order (after the last resolve has been submitted and started); a
   * time is NaN where the GPU's values are unusable (an end before its beginning).
   */
  async results(): Promise<DispatchTime[]> {
    try {
      return (await Promise.all(this.batches)).flat();
    } finally {
      this.destroy();
    }
  }

  destroy(): void {
    this.querySet.destroy();
    this.resolveBuffer.destroy();
    for (const b of this.stagings) b.destroy();
  }
}

/** Nanosecond timestamps to milliseconds; NaN where the end precedes the beginning. */
export function durationMs(begin: bigint, end: bigint): number {
  return end >= begin ? Number(end - begin) / 1e6 : NaN;
}
