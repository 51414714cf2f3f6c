/**
 * The executor turns kernel dispatches into GPU work without ever waiting:
 * - one command encoder accumulates compute passes, submitted every `dispatchesPerSubmit`
 *   dispatches and before anything that needs the queue (uploads, reads);
 * - pipelines and bind group layouts are cached by kernel name + specialisation + chunking;
 * - per-dispatch parameters go to one uniform buffer at dynamic offsets, written once per
 *   submission, and bind groups are cached by layout and buffers (dispatch-bindings.ts);
 * - storage comes from the buffer pool; `read` is the only place that waits (mapAsync).
 * Every submission and allocation runs inside error scopes whose outcome device-errors.ts turns
 * into an error raised by the next call, naming the kernels involved.
 */
import { BufferPool, type PoolStats } from './buffer-pool.js';
import { chunkBindingBytes, chunkCount, chunkLength, roundUp, type GpuStorage } from './gpu-storage.js';
import { DeviceErrors } from './device-errors.js';
import { DispatchBindings, MAX_PARAMS } from './dispatch-bindings.js';
import type { DispatchTime, RecordedDispatch } from './dispatch-records.js';
import { GpuTimer } from './gpu-timer.js';
import { PipelineCache } from './pipeline-cache.js';
import { BufferUsage, MapMode } from './webgpu-constants.js';
import type { ElemType, OperandLayout, ParamType } from './wgsl.js';

export interface DeviceLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  maxStorageBuffersPerShaderStage: number;
  maxComputeInvocationsPerWorkgroup: number;
  maxComputeWorkgroupStorageSize: number;
  maxComputeWorkgroupSizeX: number;
  maxComputeWorkgroupSizeY: number;
  maxComputeWorkgroupSizeZ: number;
  maxComputeWorkgroupsPerDimension: number;
  minUniformBufferOffsetAlignment: number;
}

export interface Operand {
  /** WGSL name; accessors are `<name>_ld`, `<name>_st`, … (see wgsl.ts). */
  name: string;
  storage: GpuStorage;
  type?: ElemType;
  write?: boolean;
}

export interface Dispatch {
  /** Backend method name, used in every error about this dispatch. */
  kernel: string;
  /** The kernel with its shapes, e.g. "matmul [1,64,32]x[1,32,16]", for error messages. */
  label: string;
  /** Specialisation key: everything that changes the WGSL besides operand chunking. */
  variant: string;
  operands: readonly Operand[];
  params: readonly (readonly [string, number, ParamType?])[];
  /** WGSL after the generated declarations; must define `main`. Called only on a cache miss. */
  body: () => string;
  workgroups: readonly [number, number, number];
  /**
   * The most loop iterations (all loops together) one invocation can run, where the kernel has
   * loops whose length depends on the shapes; checked against the adapter's loop budget.
   */
  loopIterations?: number;
}

export interface ExecutorOptions {
  dispatchesPerSubmit: number;
  maxPooledBytes: number;
  chunkElems: number;
  /**
   * Regenerate the WGSL of every dispatch and check it against the cached pipeline's (tests):
   * catches a specialisation that changes the code but is missing from `variant`.
   */
  verifyVariants?: boolean;
  /**
   * Loop iterations one invocation may run (all loops together) before the adapter cuts the
   * shader short: llvmpipe ends it after 65,535 (Mesa's loop limiter) and returns what it has.
   * Kernels split longer work, and a dispatch over budget is an error, never a wrong result.
   */
  loopBudget: number;
}

export class GpuExecutor {
  readonly pool: BufferPool;
  readonly chunkElems: number;
  /** See ExecutorOptions.loopBudget (Infinity on GPUs). */
  readonly loopBudget: number;
  private readonly errors: DeviceErrors;
  private readonly pipelines: PipelineCache;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private readonly bindings: DispatchBindings;
  private batchLabels: string[] = [];
  private toDestroy: GPUBuffer[] = [];
  private liveBytes = 0;
  /** While set, every dispatch is also appended here (dispatch-profiler.ts times them later). */
  recording: RecordedDispatch[] | null = null;
  /** While set, every dispatch runs in a pass of its own between GPU timestamps (gpu-timer.ts). */
  private timer: GpuTimer | null = null;

  constructor(
    readonly device: GPUDevice,
    readonly limits: DeviceLimits,
    private readonly opts: ExecutorOptions,
  ) {
    this.chunkElems = opts.chunkElems;
    this.loopBudget = opts.loopBudget;
    this.pool = new BufferPool(
      (bytes, usage) => this.createBuffer(bytes, usage, 'storage'),
      (b) => this.toDestroy.push(b),
      opts.maxPooledBytes,
    );
    this.errors = new DeviceErrors(device);
    this.pipelines = new PipelineCache(device, this.errors, opts.chunkElems, opts.verifyVariants ?? false);
    this.bindings = new DispatchBindings(device, limits.minUniformBufferOffsetAlignment, opts.dispatchesPerSubmit);
  }

  // --- storage ---------------------------------------------------------------------------

  alloc(size: number): GpuStorage {
    const n = chunkCount(size, this.chunkElems);
    const chunks: GPUBuffer[] = [];
    for (let k = 0; k < n; k++) {
      chunks.push(this.pool.acquire(chunkLength({ size, chunkElems: this.chunkElems }, k) * 4));
    }
    this.liveBytes += size * 4;
    return { chunks, chunkElems: this.chunkElems, size, released: false };
  }

  free(s: GpuStorage): void {
    if (s.released) throw new Error('free: storage has already been freed');
    s.released = true;
    for (const b of s.chunks) this.pool.release(b);
    this.liveBytes -= s.size * 4;
  }

  bytesInUse(): number {
    return this.liveBytes;
  }

  poolStats(): PoolStats {
    return this.pool.stats();
  }

  /** Copies host values into storage (flushes first: queue writes are ordered before pending encoders). */
  writeStorage(kernel: string, s: GpuStorage, values: Float32Array): void {
    this.checkUsable(kernel);
    this.flush();
    for (let k = 0; k < s.chunks.length; k++) {
      const start = k * s.chunkElems;
      const len = chunkLength(s, k);
      const bytes = roundUp(len * 4, 4);
      this.device.queue.writeBuffer(s.chunks[k]!, 0, values.buffer, values.byteOffset + start * 4, bytes);
    }
  }

  /** Encodes a buffer-to-buffer copy of whole storage (same size and chunking). */
  copyStorage(kernel: string, src: GpuStorage, dst: GpuStorage): void {
    this.checkUsable(kernel);
    const enc = this.encoderForCopies();
    for (let k = 0; k < src.chunks.length; k++) {
      enc.copyBufferToBuffer(src.chunks[k]!, 0, dst.chunks[k]!, 0, roundUp(chunkLength(src, k) * 4, 4));
    }
    this.batchLabels.push(kernel);
  }

  /** Encodes a copy of `length` elements from one storage position to another. */
  copyRange(kernel: string, from: { storage: GpuStorage; start: number }, to: { storage: GpuStorage; start: number }, length: number): void {
    const [src, srcStart, dst, dstStart] = [from.storage, from.start, to.storage, to.start];
    this.checkUsable(kernel);
    const enc = this.encoderForCopies();
    let done = 0;
    while (done < length) {
      const s = srcStart + done;
      const d = dstStart + done;
      const sc = Math.floor(s / src.chunkElems);
      const dc = Math.floor(d / dst.chunkElems);
      const n = Math.min(length - done, (sc + 1) * src.chunkElems - s, (dc + 1) * dst.chunkElems - d);
      enc.copyBufferToBuffer(src.chunks[sc]!, (s - sc * src.chunkElems) * 4, dst.chunks[dc]!, (d - dc * dst.chunkElems) * 4, n * 4);
      done += n;
    }
    this.batchLabels.push(kernel);
  }

  // --- dispatch --------------------------------------------------------------------------

  dispatch(d: Dispatch): void {
    this.checkUsable(d.label);
    const layout = d.operands.map<OperandLayout>((o) => ({
      name: o.name,
      chunks: o.storage.chunks.length,
      type: o.type ?? 'f32',
      write: o.write ?? false,
    }));
    const storageBindings = layout.reduce((n, o) => n + Math.max(1, o.chunks), 0);
    if (storageBindings > this.limits.maxStorageBuffersPerShaderStage) {
      throw new Error(
        `${d.label}: needs ${storageBindings} storage buffer bindings (operands split into chunks of ` +
          `${this.chunkElems} elements), more than the device's maxStorageBuffersPerShaderStage ` +
          `(${this.limits.maxStorageBuffersPerShaderStage})`,
      );
    }
    for (const o of d.operands) {
      if (o.storage.released) throw new Error(`${d.label}: operand '${o.name}' has been freed`);
      if (o.storage.size === 0) throw new Error(`${d.label}: operand '${o.name}' is empty (a kernel bug: empty work must not be dispatched)`);
    }
    const [wx, wy, wz] = d.workgroups;
    const maxDim = this.limits.maxComputeWorkgroupsPerDimension;
    if (wx > maxDim || wy > maxDim || wz > maxDim) {
      throw new Error(`${d.label}: grid ${wx}×${wy}×${wz} exceeds maxComputeWorkgroupsPerDimension (${maxDim})`);
    }
    if (d.params.length > MAX_PARAMS) throw new Error(`${d.label}: too many parameters (${d.params.length})`);
    if (wx === 0 || wy === 0 || wz === 0) return;
    if (d.loopIterations !== undefined && d.loopIterations > this.loopBudget) {
      throw new Error(
        `${d.label}: one invocation would run ${d.loopIterations} loop iterations, more than this adapter ` +
          `completes (${this.loopBudget}; llvmpipe stops shaders after 65,535); use smaller windows or channels, or a GPU`,
      );
    }

    const { pipeline, bindGroupLayout } = this.pipelines.get({
      kernel: d.kernel,
      label: d.label,
      variant: d.variant,
      layout,
      params: d.params.map(([n, , t]) => [n, t ?? 'u32'] as const),
      body: d.body,
    });

    const params = this.bindings.writeParams(d.label, d.params);
    const buffers: GPUBuffer[] = [];
    const bindingBytes: number[] = [];
    for (const o of d.operands) {
      const s = o.storage;
      for (let k = 0; k < s.chunks.length; k++) {
        buffers.push(s.chunks[k]!);
        bindingBytes.push(chunkBindingBytes(s, k));
      }
    }
    const bindGroup = this.bindings.bindGroup(d.label, bindGroupLayout, params.bytes, buffers, bindingBytes);
    if (this.timer) this.endPass();
    const pass = this.computePass(this.timer?.passFor(d.kernel, d.label));
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup, [params.offset]);
    pass.dispatchWorkgroups(wx, wy, wz);
    if (this.timer) {
      this.endPass();
      if (this.timer.full) this.resolveTimestamps();
    }
    this.batchLabels.push(d.label);
    this.errors.noteDispatch(d.label);
    this.recording?.push({
      kernel: d.kernel,
      label: d.label,
      pipeline,
      layout: bindGroupLayout,
      params: params.words(),
      paramBytes: params.bytes,
      bindingBytes,
      workgroups: [wx, wy, wz],
    });
    if (this.bindings.full || this.batchLabels.length >= this.opts.dispatchesPerSubmit) {
      this.flush();
    }
  }

  /** A 1-D count of workgroups as a 2-D grid within maxComputeWorkgroupsPerDimension. */
  grid(workgroups: number): [number, number, number] {
    const maxDim = this.limits.maxComputeWorkgroupsPerDimension;
    if (workgroups <= maxDim) return [workgroups, 1, 1];
    const y = Math.ceil(workgroups / maxDim);
    return [Math.ceil(workgroups / y), y, 1];
  }

  // --- submission and reads ----------------------------------------------------------------

  /** Submits everything encoded so far. Never waits. */
  flush(): void {
    if (!this.encoder) return;
    this.endPass();
    const encoder = this.encoder;
    this.encoder = null;
    const labels = this.batchLabels;
    this.batchLabels = [];
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    // Ordered after the previous submission's use of the parameter buffer and before this one's.
    this.bindings.upload();
    this.device.queue.submit([encoder.finish()]);
    const validation = this.device.popErrorScope();
    const oom = this.device.popErrorScope();
    this.errors.track(
      Promise.all([validation, oom]).then(([v, o]) => {
        const e = v ?? o;
        if (e) this.errors.record(new Error(`webgpu: a submission with ${describeBatch(labels)} failed: ${e.message}`));
      }),
    );
    for (const b of this.toDestroy) b.destroy();
    this.toDestroy = [];
  }

  /** Reads `s` back; the only method that waits for the device. */
  async read(kernel: string, s: GpuStorage): Promise<Float32Array> {
    this.checkUsable(kernel);
    const out = new Float32Array(s.size);
    if (s.size === 0) return out;
    const enc = this.encoderForCopies();
    const stagings = s.chunks.map((chunk, k) => {
      const bytes = roundUp(chunkLength(s, k) * 4, 4);
      const staging = this.createBuffer(bytes, BufferUsage.MAP_READ | BufferUsage.COPY_DST, `${kernel} staging`);
      enc.copyBufferToBuffer(chunk, 0, staging, 0, bytes);
      return staging;
    });
    this.batchLabels.push(kernel);
    this.flush();
    try {
      await this.errors.whileDeviceLives(kernel, Promise.all(stagings.map((b) => b.mapAsync(MapMode.READ))));
      stagings.forEach((b, k) => {
        out.set(new Float32Array(b.getMappedRange(), 0, chunkLength(s, k)), k * s.chunkElems);
        b.unmap();
      });
    } finally {
      for (const b of stagings) b.destroy();
    }
    await this.errors.settle();
    this.errors.throwDeferred(kernel);
    return out;
  }

  /** Waits until every submitted command has run (benchmarks; tests of error reporting). */
  async sync(kernel = 'sync'): Promise<void> {
    this.checkUsable(kernel);
    this.flush();
    await this.errors.whileDeviceLives(kernel, this.device.queue.onSubmittedWorkDone());
    await this.errors.settle();
    this.errors.throwDeferred(kernel);
  }

  // --- kernel timing (gpu-timer.ts) ---------------------------------------------------------

  /** Whether the device can time kernels (the 'timestamp-query' feature). */
  canTimeKernels(): boolean {
    return this.device.features.has('timestamp-query');
  }

  /** Starts timing every dispatch on the GPU; `stopTiming` returns the times. */
  startTiming(kernel: string): void {
    this.checkUsable(kernel);
    if (!this.canTimeKernels()) throw new Error(`${kernel}: this device has no 'timestamp-query' feature, so kernels cannot be timed on the GPU`);
    if (this.timer) throw new Error(`${kernel}: kernels are already being timed`);
    this.flush();
    this.timer = new GpuTimer(this.device);
  }

  /** Stops timing; the GPU time of every dispatch since `startTiming`, in order (waits for them). */
  async stopTiming(kernel: string): Promise<DispatchTime[]> {
    if (!this.timer) throw new Error(`${kernel}: kernels are not being timed`);
    const timer = this.resolveTimestamps();
    this.timer = null;
    const times = await this.errors.whileDeviceLives(kernel, timer.results());
    await this.errors.settle();
    this.errors.throwDeferred(kernel);
    return times;
  }

  /** Resolves the timestamps taken so far and submits them. */
  private resolveTimestamps(): GpuTimer {
    const timer = this.timer!;
    const startMapping = timer.resolve(this.encoderForCopies());
    this.batchLabels.push('kernel timestamps');
    this.flush();
    startMapping?.();
    return timer;
  }

  /** Throws when the device is lost or an earlier asynchronous error is pending. */
  checkUsable(label: string): void {
    this.errors.checkUsable(label);
  }

  destroy(): void {
    this.timer?.destroy();
    this.timer = null;
    this.pass?.end();
    this.pass = null;
    this.encoder = null;
    this.pool.trim();
    for (const b of this.toDestroy) b.destroy();
    this.toDestroy = [];
    this.bindings.clear();
    this.device.destroy();
  }

  // --- internals -------------------------------------------------------------------------

  private createBuffer(bytes: number, usage: number, what: string): GPUBuffer {
    if (bytes > this.limits.maxBufferSize) {
      throw new Error(`webgpu: a ${what} buffer of ${bytes} bytes exceeds the device's maxBufferSize (${this.limits.maxBufferSize})`);
    }
    this.device.pushErrorScope('out-of-memory');
    const b = this.device.createBuffer({ size: bytes, usage });
    this.errors.track(
      this.device.popErrorScope().then((e) => {
        if (e) this.errors.record(new Error(`webgpu: allocating a ${what} buffer of ${bytes} bytes failed (out of memory): ${e.message}`));
      }),
    );
    return b;
  }

  private computePass(descriptor?: GPUComputePassDescriptor): GPUComputePassEncoder {
    if (this.pass) return this.pass;
    this.encoder ??= this.device.createCommandEncoder();
    this.pass = this.encoder.beginComputePass(descriptor);
    return this.pass;
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = null;
  }

  /** The encoder with no compute pass open (copies cannot be encoded inside a pass). */
  private encoderForCopies(): GPUCommandEncoder {
    this.endPass();
    return (this.encoder ??= this.device.createCommandEncoder());
  }
}

function describeBatch(labels: readonly string[]): string {
  if (labels.length <= 4) return `kernels [${labels.join('; ')}]`;
  return `${labels.length} kernels [${labels.slice(0, 2).join('; ')}; …; ${labels.slice(-2).join('; ')}]`;
}
