/**
 * The WebGPU backend: float32 WGSL kernels behind the Backend interface. Kernels only enqueue
 * work (executor.ts); `read` is the one method that waits. Storage is a GpuStorage (possibly
 * several buffers, see gpu-storage.ts). Each kernel lives in kernels/; this class checks dtypes,
 * unwraps storage and delegates. Create it with `createWebGpuBackend()` (device.ts).
 */
import type {
  Backend,
  BackendInfo,
  BinaryOp,
  Conv2DParams,
  Pool2DParams,
  ReduceOp,
  Storage,
  TensorInfo,
  UnaryOp,
} from '../backend.js';
import type { DType, TypedArray } from '../../tensor/dtype.js';
import { sizeOf, type Shape } from '../../tensor/shape.js';
import type { AcquiredDevice } from './device-info.js';
import type { DeviceLimits, GpuExecutor } from './executor.js';
import type { PoolStats } from './buffer-pool.js';
import { profileWork, type DispatchProfile } from './dispatch-profiler.js';
import { autotuneWork, convKey, GemmTuner, type GemmAutotuneOptions, type GemmTuningReport } from './gemm-autotune.js';
import type { GemmSelection } from './gemm-plan.js';
import { readGemmTuningTable, type GemmTuningTable } from './gemm-tuning-table.js';
import { asGpuStorage, type GpuStorage } from './gpu-storage.js';
import { conv2d, conv2dBackpropInput } from './kernels/conv2d.js';
import { conv2dBackpropFilter } from './kernels/conv2d-filter-grad.js';
import { depthwiseConv2d, depthwiseConv2dBackpropFilter, depthwiseConv2dBackpropInput } from './kernels/depthwise-conv2d.js';
import { BINARY_CODE, elementwise, UNARY_CODE, WHERE_CODE } from './kernels/elementwise.js';
import { broadcastTo, concat, copy, fill, pad, slice, transpose } from './kernels/layout.js';
import { matmul } from './kernels/matmul.js';
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './kernels/pool.js';
import { reduce } from './kernels/reduce.js';
import { resizeBilinear, resizeBilinearBackward } from './kernels/resize.js';

export class WebGpuBackend implements Backend {
  readonly name = 'webgpu' as const;
  readonly supportsFloat64 = false;
  private readonly tuner: GemmTuner;

  /** @internal Use createWebGpuBackend(). */
  constructor(
    private readonly ex: GpuExecutor,
    private readonly acquired: AcquiredDevice,
    /** How GEMM kernels are planned without a tuned choice: the adapter's kind, and 'auto' unless a benchmark forces one. */
    gemm: GemmSelection = { softwareAdapter: acquired.cpuEmulated, choice: { family: 'auto' } },
  ) {
    this.tuner = new GemmTuner(gemm);
  }

  info(): BackendInfo {
    const a = this.acquired;
    return {
      name: 'webgpu',
      adapter: `${a.adapterDescription} via ${a.api}`,
      featureLevel: a.featureLevel,
      api: a.api,
      softwareAdapter: a.cpuEmulated,
    };
  }

  /** @internal The executor (tests and benchmarks drive it directly). */
  get executor(): GpuExecutor {
    return this.ex;
  }

  /** The device limits in force (after any test override of the binding size). */
  limits(): DeviceLimits & { chunkElems: number } {
    return { ...this.ex.limits, chunkElems: this.ex.chunkElems };
  }

  /** Live bytes, pooled bytes and buffers created so far. */
  memoryStats(): PoolStats & { live: number } {
    return { ...this.ex.poolStats(), live: this.ex.bytesInUse() };
  }

  /** Waits for all submitted work (benchmarks); surfaces pending asynchronous errors. */
  sync(): Promise<void> {
    return this.ex.sync('webgpu.sync');
  }

  /**
   * Runs `fn` (awaited), then times every kernel it dispatched, each alone on scratch buffers
   * (dispatch-profiler.ts); `totalsByLabel` sums them per layer. `onProgress(done, total)`
   * follows the distinct kernels being timed.
   */
  profile(fn: () => unknown, onProgress?: (done: number, total: number) => void): Promise<DispatchProfile> {
    return profileWork(this.ex, fn, onProgress);
  }

  /** Whether `timeKernels` can run here: the device has the 'timestamp-query' feature (real GPUs in Node). */
  canTimeKernels(): boolean {
    return this.ex.canTimeKernels();
  }

  /**
   * Runs `fn` (awaited) with every kernel it dispatches timed by the GPU itself (timestamps
   * around each dispatch, gpu-timer.ts), and returns those times in order. Unlike `profile`,
   * the kernels are timed where they run, on their real inputs, and the host's share (submission,
   * waits) is left out; each runs in a compute pass of its own meanwhile. Throws where
   * `canTimeKernels()` is false.
   */
  async timeKernels(fn: () => unknown): Promise<DispatchProfile> {
    this.ex.startTiming('webgpu.timeKernels');
    let dispatches: DispatchProfile['dispatches'];
    try {
      await fn();
    } finally {
      dispatches = await this.ex.stopTiming('webgpu.timeKernels');
    }
    return { dispatches, totalMs: dispatches.reduce((a, d) => a + d.ms, 0) };
  }

  /**
   * Runs `fn` (awaited) while recording its matrix products and convolutions, then times the
   * kernel variants worth trying for each distinct one on scratch inputs and keeps the fastest
   * that agrees with the default's output (gemm-autotune.ts). Later ops of those shapes use the
   * choices; `tuning()` returns them for `createWebGpuBackend({ tuning })`. `fn` itself runs
   * with the choices in force before the call, and its results are valid.
   */
  autotune(fn: () => unknown, opts?: GemmAutotuneOptions): Promise<GemmTuningReport> {
    return autotuneWork(this.ex, this.tuner, fn, opts);
  }

  /**
   * Every problem tuned so far and its GemmChoice ({ family: 'auto' } where the backend's own was
   * kept), as a versioned JSON table; give it to `useTuning` or `createWebGpuBackend({ tuning })`.
   */
  tuning(): GemmTuningTable {
    return this.tuner.table();
  }

  /**
   * Adopts choices from an earlier `tuning()` (problems in it are not tuned again). A table of
   * another format or version (an older release's) is ignored: returns why, in one line. Throws,
   * adopting nothing, where a table of this version holds something that is not a GemmChoice.
   */
  useTuning(table: unknown): string | undefined {
    const read = readGemmTuningTable(table);
    if ('ignored' in read) return read.ignored;
    this.tuner.adopt(read.choices);
    return undefined;
  }

  /** Destroys pooled buffers (they are reallocated on demand). */
  releasePooledMemory(): void {
    this.ex.flush();
    this.ex.pool.trim();
  }

  /** Destroys the device; the backend is unusable afterwards. */
  dispose(): void {
    this.ex.destroy();
  }

  // --- storage ---------------------------------------------------------------------------

  upload(values: TypedArray, dtype: DType): Storage {
    this.f32('upload', dtype);
    const s = this.ex.alloc(values.length);
    if (values.length > 0) {
      const f = values instanceof Float32Array ? values : Float32Array.from(values);
      this.ex.writeStorage('webgpu.upload', s, f);
    }
    return s;
  }

  fill(size: number, value: number, dtype: DType): Storage {
    this.f32('fill', dtype);
    if (!(Number.isInteger(size) && size >= 0)) throw new Error(`webgpu.fill: size must be a non-negative integer, got ${size}`);
    return fill(this.ex, size, value);
  }

  async read(x: TensorInfo): Promise<TypedArray> {
    const s = asGpuStorage('webgpu.read', x.storage);
    return this.ex.read(`webgpu.read [${x.shape.join(',')}]`, s);
  }

  free(storage: Storage, _dtype: DType, _size: number): void {
    this.ex.free(asGpuStorage('webgpu.free', storage));
  }

  bytesInUse(): number {
    return this.ex.bytesInUse();
  }

  // --- elementwise -----------------------------------------------------------------------

  unary(op: UnaryOp, x: TensorInfo): Storage {
    const code = UNARY_CODE[op];
    if (!code) throw new Error(`webgpu.unary: unknown op '${String(op)}'`);
    this.f32(`unary(${op})`, x.dtype);
    return elementwise(this.ex, { kernel: 'webgpu.unary', opName: op, code, inputs: [x], outShape: x.shape });
  }

  binary(op: BinaryOp, a: TensorInfo, b: TensorInfo, outShape: Shape): Storage {
    const code = BINARY_CODE[op];
    if (!code) throw new Error(`webgpu.binary: unknown op '${String(op)}'`);
    this.f32(`binary(${op})`, a.dtype, b.dtype);
    return elementwise(this.ex, { kernel: 'webgpu.binary', opName: op, code, inputs: [a, b], outShape });
  }

  where(cond: TensorInfo, a: TensorInfo, b: TensorInfo, outShape: Shape): Storage {
    this.f32('where', cond.dtype, a.dtype, b.dtype);
    return elementwise(this.ex, { kernel: 'webgpu.where', opName: 'where', code: WHERE_CODE, inputs: [cond, a, b], outShape });
  }

  cast(x: TensorInfo, dtype: DType): Storage {
    this.f32('cast', x.dtype, dtype);
    return copy(this.ex, x);
  }

  // --- reductions and layout -------------------------------------------------------------

  reduce(op: ReduceOp, x: TensorInfo, axes: readonly number[]): Storage {
    this.f32(`reduce(${op})`, x.dtype);
    return reduce(this.ex, op, x, axes);
  }

  transpose(x: TensorInfo, perm: readonly number[]): Storage {
    this.f32('transpose', x.dtype);
    return transpose(this.ex, x, perm);
  }

  slice(x: TensorInfo, begin: readonly number[], size: readonly number[]): Storage {
    this.f32('slice', x.dtype);
    return slice(this.ex, x, begin, size);
  }

  pad(x: TensorInfo, paddings: readonly (readonly [number, number])[], value: number): Storage {
    this.f32('pad', x.dtype);
    return pad(this.ex, x, paddings, value);
  }

  concat(xs: readonly TensorInfo[], axis: number): Storage {
    this.f32('concat', ...xs.map((x) => x.dtype));
    return concat(this.ex, xs, axis);
  }

  broadcastTo(x: TensorInfo, shape: Shape): Storage {
    this.f32('broadcastTo', x.dtype);
    return broadcastTo(this.ex, x, shape);
  }

  // --- linear algebra ----------------------------------------------------------------------

  matmul(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): Storage {
    this.f32('matmul', a.dtype, b.dtype);
    const key = `matmul [${a.shape.join(',')}]${transposeA ? 'ᵀ' : ''} [${b.shape.join(',')}]${transposeB ? 'ᵀ' : ''}`;
    return this.gemmOp(key, [a, b], (gemm, [a2, b2]) => matmul(this.ex, { a: a2!, b: b2!, transA: transposeA, transB: transposeB }, gemm));
  }

  // --- convolution and pooling -----------------------------------------------------------

  conv2d(x: TensorInfo, filter: TensorInfo, bias: TensorInfo | null, p: Conv2DParams, relu: boolean): Storage {
    this.f32('conv2d', x.dtype, filter.dtype, ...(bias ? [bias.dtype] : []));
    const [kh, kw, cin] = filter.shape;
    if (bias && filter.shape.length === 4 && (kh ?? 0) * (kw ?? 0) * (cin ?? 0) === 0 && x.shape.length === 4) {
      return this.biasOnly(x.shape, filter.shape, bias, p, relu);
    }
    const key = convKey('conv2d', [x.shape, filter.shape, bias?.shape ?? null], p, relu ? 'relu' : '');
    return this.gemmOp(key, [x, filter, bias], (gemm, [x2, f2, b2]) => conv2d(this.ex, { x: x2!, filter: f2!, bias: b2 ?? null, p, relu }, gemm));
  }

  conv2dBackpropInput(dy: TensorInfo, filter: TensorInfo, xShape: Shape, p: Conv2DParams): Storage {
    this.f32('conv2dBackpropInput', dy.dtype, filter.dtype);
    const key = convKey('conv2dBackpropInput', [dy.shape, filter.shape], p, `x[${xShape.join(',')}]`);
    return this.gemmOp(key, [dy, filter], (gemm, [dy2, f2]) => conv2dBackpropInput(this.ex, { dy: dy2!, filter: f2!, xShape, p }, gemm));
  }

  conv2dBackpropFilter(x: TensorInfo, dy: TensorInfo, filterShape: Shape, p: Conv2DParams): Storage {
    this.f32('conv2dBackpropFilter', x.dtype, dy.dtype);
    const key = convKey('conv2dBackpropFilter', [x.shape, dy.shape], p, `w[${filterShape.join(',')}]`);
    return this.gemmOp(key, [x, dy], (gemm, [x2, dy2]) => conv2dBackpropFilter(this.ex, { x: x2!, dy: dy2!, filterShape, p }, gemm));
  }

  depthwiseConv2d(x: TensorInfo, filter: TensorInfo, bias: TensorInfo | null, p: Conv2DParams, relu: boolean): Storage {
    this.f32('depthwiseConv2d', x.dtype, filter.dtype, ...(bias ? [bias.dtype] : []));
    return depthwiseConv2d(this.ex, x, filter, bias, p, relu);
  }

  depthwiseConv2dBackpropInput(dy: TensorInfo, filter: TensorInfo, xShape: Shape, p: Conv2DParams): Storage {
    this.f32('depthwiseConv2dBackpropInput', dy.dtype, filter.dtype);
    return depthwiseConv2dBackpropInput(this.ex, dy, filter, xShape, p);
  }

  depthwiseConv2dBackpropFilter(x: TensorInfo, dy: TensorInfo, filterShape: Shape, p: Conv2DParams): Storage {
    this.f32('depthwiseConv2dBackpropFilter', x.dtype, dy.dtype);
    return depthwiseConv2dBackpropFilter(this.ex, x, dy, filterShape, p);
  }

  maxPool2d(x: TensorInfo, p: Pool2DParams): Storage {
    this.f32('maxPool2d', x.dtype);
    return maxPool2d(this.ex, x, p);
  }

  maxPool2dBackward(x: TensorInfo, dy: TensorInfo, p: Pool2DParams): Storage {
    this.f32('maxPool2dBackward', x.dtype, dy.dtype);
    return maxPool2dBackward(this.ex, x, dy, p);
  }

  avgPool2d(x: TensorInfo, p: Pool2DParams): Storage {
    this.f32('avgPool2d', x.dtype);
    return avgPool2d(this.ex, x, p);
  }

  avgPool2dBackward(dy: TensorInfo, xShape: Shape, p: Pool2DParams): Storage {
    this.f32('avgPool2dBackward', dy.dtype);
    return avgPool2dBackward(this.ex, dy, xShape, p);
  }

  // --- resampling ------------------------------------------------------------------------

  resizeBilinear(x: TensorInfo, outHeight: number, outWidth: number): Storage {
    this.f32('resizeBilinear', x.dtype);
    return resizeBilinear(this.ex, x, outHeight, outWidth);
  }

  resizeBilinearBackward(dy: TensorInfo, xShape: Shape): Storage {
    this.f32('resizeBilinearBackward', dy.dtype);
    return resizeBilinearBackward(this.ex, dy, xShape);
  }

  // --- helpers -----------------------------------------------------------------------------

  /**
   * A GEMM-shaped op: runs with the choice tuned for its key (or the backend's own), from which
   * the kernel makes its plan (gemm-plan.ts), and is recorded while autotuning. `run` takes its
   * inputs as arguments, so that the tuner can run it again on scratch inputs of the same shapes.
   */
  private gemmOp(
    key: string, inputs: readonly (TensorInfo | null)[], run: (gemm: GemmSelection, inputs: readonly (TensorInfo | null)[]) => GpuStorage,
  ): GpuStorage {
    const gemm = this.tuner.use({ key, inputs: inputs.map((t) => t?.shape ?? null), run });
    return run(gemm, inputs);
  }

  private f32(op: string, ...dtypes: DType[]): void {
    for (const d of dtypes) {
      if (d !== 'float32') throw new Error(`webgpu.${op}: the WebGPU backend computes in float32 only, got ${d}`);
    }
  }

  /** A convolution with an empty filter (no taps or no input channels): bias, through ReLU if asked. */
  private biasOnly(xShape: Shape, filterShape: Shape, bias: TensorInfo, p: Conv2DParams, relu: boolean): GpuStorage {
    const outShape = [xShape[0]!, p.outHeight, p.outWidth, filterShape[3]!];
    const zeros = fill(this.ex, sizeOf(outShape), 0);
    const sum = elementwise(this.ex, { kernel: 'webgpu.conv2d', opName: 'add', code: BINARY_CODE.add, inputs: [{ storage: zeros, shape: outShape, dtype: 'float32' }, bias], outShape });
    this.ex.free(zeros);
    if (!relu) return sum;
    const out = elementwise(this.ex, { kernel: 'webgpu.conv2d', opName: 'relu', code: UNARY_CODE.relu, inputs: [{ storage: sum, shape: outShape, dtype: 'float32' }], outShape });
    this.ex.free(sum);
    return out;
  }
}
