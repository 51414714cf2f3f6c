/**
 * The one interface every backend implements (TensorFlow.js style): storage management plus one
 * method per kernel. Ops compute output shapes and validate arguments before they call a kernel,
 * so kernels may assume consistent inputs. A kernel returns the storage of its output; the op
 * wraps it in a Tensor. Kernels never wait: the WebGPU backend only enqueues work, and values
 * come back through the async `read`.
 */
import type { AutotuneOptions, TuningReport, TuningTable } from './tuning.js';
import type { DType, TypedArray } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';

/** Backend-specific storage (a typed array on the CPU, a block of WebAssembly memory, a GPU buffer or buffer set on WebGPU). */
export type Storage = unknown;

/** What a kernel sees of a tensor. */
export interface TensorInfo {
  readonly storage: Storage;
  readonly shape: Shape;
  readonly dtype: DType;
}

export type UnaryOp =
  | 'neg'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'abs'
  | 'relu'
  /** 1 where x > 0, else 0: the derivative of relu (0 at the kink, as in JAX and TF). */
  | 'step'
  | 'sign';

/** Comparison ops return 1 or 0 in the input dtype. */
export type BinaryOp =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'pow'
  | 'maximum'
  | 'minimum'
  | 'greater'
  | 'greaterEqual'
  | 'equal';

export type ReduceOp = 'sum' | 'max' | 'min';

/** Explicit padding, already resolved from 'same' / 'valid' by the op. */
export interface Padding2D {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** NHWC input [N, H, W, Cin], HWIO filter [kh, kw, Cin, Cout], output [N, outH, outW, Cout]. */
export interface Conv2DParams {
  strides: [number, number];
  dilations: [number, number];
  pad: Padding2D;
  /** Output spatial size, computed by the op. */
  outHeight: number;
  outWidth: number;
}

/** NHWC pooling over [kh, kw] windows; padded cells never win a max and are excluded from averages. */
export interface Pool2DParams {
  window: [number, number];
  strides: [number, number];
  pad: Padding2D;
  outHeight: number;
  outWidth: number;
}

export interface BackendInfo {
  /** 'cpu', 'wasm' or 'webgpu'. */
  name: string;
  /** Human-readable adapter description, e.g. "llvmpipe (Mesa 22.3.6) via opengles" (the feature level is separate). */
  adapter: string;
  /** WebGPU feature level ('core' | 'compatibility'); absent on the CPU. */
  featureLevel?: string;
  /** Underlying API (vulkan, opengles, metal, d3d12, browser); absent on the CPU. */
  api?: string;
  /** The adapter runs on CPU cores (llvmpipe, SwiftShader, lavapipe); absent on the CPU backend. */
  softwareAdapter?: boolean;
  /** Threads that run kernels (the WebAssembly backend); absent elsewhere. */
  threads?: number;
  /** Why fewer threads run than were asked for (the WebAssembly backend), if so. */
  threadNote?: string;
}

export interface Backend {
  readonly name: 'cpu' | 'wasm' | 'webgpu';
  readonly supportsFloat64: boolean;
  info(): BackendInfo;

  // --- storage ---------------------------------------------------------------------------
  /** Copies `values` into new storage of the given dtype. */
  upload(values: TypedArray, dtype: DType): Storage;
  /** Storage of `size` elements all equal to `value`. */
  fill(size: number, value: number, dtype: DType): Storage;
  /** Reads the values back (the only place that waits for the device). */
  read(x: TensorInfo): Promise<TypedArray>;
  /** Synchronous read, where the backend can do it (the CPU); undefined elsewhere. */
  readSync?(x: TensorInfo): TypedArray;

  // --- kernel tuning, where the backend has choices to make (WebGPU; undefined on the CPU) ---
  /** Runs `fn`, then times kernel variants for the ops it made and keeps the fastest (tuning.ts). */
  autotune?(fn: () => unknown, opts?: AutotuneOptions): Promise<TuningReport>;
  /** Every problem tuned so far, as a versioned JSON-safe table. */
  tuning?(): TuningTable;
  /**
   * Adopts an earlier `tuning()` (checked first); those problems are not tuned again. A table of
   * another format or version (an older release's) is ignored: returns why, in one line.
   */
  useTuning?(table: unknown): string | undefined;
  /** Releases storage. Called once per storage, when its last tensor is disposed. */
  free(storage: Storage, dtype: DType, size: number): void;
  /** Bytes currently held by live storage (for leak tests). */
  bytesInUse(): number;

  // --- elementwise -----------------------------------------------------------------------
  unary(op: UnaryOp, x: TensorInfo): Storage;
  /** Broadcasting binary op; `outShape` is the broadcast shape. */
  binary(op: BinaryOp, a: TensorInfo, b: TensorInfo, outShape: Shape): Storage;
  /** Broadcasting select: cond != 0 ? a : b. */
  where(cond: TensorInfo, a: TensorInfo, b: TensorInfo, outShape: Shape): Storage;
  cast(x: TensorInfo, dtype: DType): Storage;

  // --- reductions and layout -------------------------------------------------------------
  /** Reduces over sorted, unique `axes`; the output has those axes removed. */
  reduce(op: ReduceOp, x: TensorInfo, axes: readonly number[]): Storage;
  /** out.shape[i] = x.shape[perm[i]]. */
  transpose(x: TensorInfo, perm: readonly number[]): Storage;
  /** Contiguous copy of x[begin[i] : begin[i] + size[i]] along every axis. */
  slice(x: TensorInfo, begin: readonly number[], size: readonly number[]): Storage;
  /** Constant padding; `paddings[i] = [before, after]` for axis i. */
  pad(x: TensorInfo, paddings: readonly (readonly [number, number])[], value: number): Storage;
  /** Joins along `axis`; all inputs share the other dimensions. */
  concat(xs: readonly TensorInfo[], axis: number): Storage;
  /** Materialises a broadcast of x (rank already aligned by the op: x.shape.length === shape.length). */
  broadcastTo(x: TensorInfo, shape: Shape): Storage;

  // --- linear algebra ----------------------------------------------------------------------
  /**
   * Batched matmul of a [B, M, K] (or [B, K, M] transposed) and b [B, K, N] (or [B, N, K]);
   * rank 3 always (the op reshapes); the batch dimension of either may be 1 and broadcasts.
   */
  matmul(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): Storage;

  // --- convolution and pooling (NHWC) ----------------------------------------------------
  /** Cross-correlation, optional bias [Cout], optionally followed by ReLU in the same pass. */
  conv2d(x: TensorInfo, filter: TensorInfo, bias: TensorInfo | null, p: Conv2DParams, relu: boolean): Storage;
  /** dL/dx given dy [N, outH, outW, Cout]; `xShape` is [N, H, W, Cin]. */
  conv2dBackpropInput(dy: TensorInfo, filter: TensorInfo, xShape: Shape, p: Conv2DParams): Storage;
  /** dL/dfilter given x and dy; `filterShape` is [kh, kw, Cin, Cout]. */
  conv2dBackpropFilter(x: TensorInfo, dy: TensorInfo, filterShape: Shape, p: Conv2DParams): Storage;
  /**
   * Depthwise cross-correlation: x [N, H, W, C], filter [kh, kw, C, M], output [N, outH, outW, C·M]
   * where output channel c·M + m is input channel c filtered by filter[:, :, c, m] (Keras's order);
   * optional bias [C·M], optionally followed by ReLU in the same pass. `p` is conv2d's, with the
   * filter's M in the place of Cout.
   */
  depthwiseConv2d(x: TensorInfo, filter: TensorInfo, bias: TensorInfo | null, p: Conv2DParams, relu: boolean): Storage;
  /** dL/dx of depthwiseConv2d given dy [N, outH, outW, C·M]; `xShape` is [N, H, W, C]. */
  depthwiseConv2dBackpropInput(dy: TensorInfo, filter: TensorInfo, xShape: Shape, p: Conv2DParams): Storage;
  /** dL/dfilter of depthwiseConv2d given x and dy; `filterShape` is [kh, kw, C, M]. */
  depthwiseConv2dBackpropFilter(x: TensorInfo, dy: TensorInfo, filterShape: Shape, p: Conv2DParams): Storage;
  maxPool2d(x: TensorInfo, p: Pool2DParams): Storage;
  /** Routes dy to the first maximal element of each window (row-major order within the window). */
  maxPool2dBackward(x: TensorInfo, dy: TensorInfo, p: Pool2DParams): Storage;
  avgPool2d(x: TensorInfo, p: Pool2DParams): Storage;
  avgPool2dBackward(dy: TensorInfo, xShape: Shape, p: Pool2DParams): Storage;

  // --- resampling ------------------------------------------------------------------------
  /** Bilinear, half-pixel centres (TF2 / PyTorch align_corners=false), NHWC. */
  resizeBilinear(x: TensorInfo, outHeight: number, outWidth: number): Storage;
  resizeBilinearBackward(dy: TensorInfo, xShape: Shape): Storage;
}
