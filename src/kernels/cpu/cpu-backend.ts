/**
 * The CPU backend: plain TypeScript kernels on typed arrays, in float32 and float64. It is the
 * float64 oracle every other backend is checked against, and the fallback where no GPU exists.
 *
 * Storage is the typed array itself (Float32Array for float32, Float64Array for float64).
 * Tensors are immutable, so `read` and `readSync` return a copy: a caller that writes into the
 * result cannot change the tensor. Kernels live one concept per file next to this one; this
 * class only unwraps storage, picks the output dtype and counts live bytes.
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
import { arrayFor, type DType, type TypedArray } from '../../tensor/dtype.js';
import type { Shape } from '../../tensor/shape.js';
import { conv2d, conv2dBackpropInput } from './conv2d.js';
import { conv2dBackpropFilter } from './conv2d-filter-grad.js';
import { dataOf, hostOf, isCpuStorage } from './cpu-storage.js';
import { depthwiseConv2d, depthwiseConv2dBackpropFilter, depthwiseConv2dBackpropInput } from './depthwise-conv2d.js';
import { binary, cast, unary, where } from './elementwise.js';
import { broadcastTo, concat, pad, slice, transpose } from './layout.js';
import { matmul } from './matmul.js';
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './pool.js';
import { reduce } from './reduce.js';
import { resizeBilinear, resizeBilinearBackward } from './resize.js';

export class CpuBackend implements Backend {
  readonly name = 'cpu' as const;
  readonly supportsFloat64 = true;
  private liveBytes = 0;

  info(): BackendInfo {
    return { name: 'cpu', adapter: 'JavaScript (CPU)' };
  }

  // --- storage ---------------------------------------------------------------------------

  upload(values: TypedArray, dtype: DType): Storage {
    const out = arrayFor(dtype, values.length);
    out.set(values);
    return this.track(out);
  }

  fill(size: number, value: number, dtype: DType): Storage {
    const out = arrayFor(dtype, size);
    if (value !== 0) out.fill(value);
    return this.track(out);
  }

  read(x: TensorInfo): Promise<TypedArray> {
    return Promise.resolve(this.readSync(x));
  }

  /** A copy of the values (tensors are immutable; the copy may be written freely). */
  readSync(x: TensorInfo): TypedArray {
    return dataOf(x, 'read').slice();
  }

  free(storage: Storage, _dtype: DType, _size: number): void {
    if (!isCpuStorage(storage)) throw new Error('cpu.free: not CPU storage (a buffer from another backend?)');
    this.liveBytes -= storage.byteLength;
  }

  bytesInUse(): number {
    return this.liveBytes;
  }

  // --- elementwise -----------------------------------------------------------------------

  unary(op: UnaryOp, x: TensorInfo): Storage {
    return this.track(unary(op, dataOf(x, `unary(${op})`), x.dtype));
  }

  binary(op: BinaryOp, a: TensorInfo, b: TensorInfo, outShape: Shape): Storage {
    const name = `binary(${op})`;
    return this.track(binary(op, hostOf(a, name), hostOf(b, name), outShape, a.dtype));
  }

  where(cond: TensorInfo, a: TensorInfo, b: TensorInfo, outShape: Shape): Storage {
    return this.track(where(hostOf(cond, 'where'), hostOf(a, 'where'), hostOf(b, 'where'), outShape, a.dtype));
  }

  cast(x: TensorInfo, dtype: DType): Storage {
    return this.track(cast(dataOf(x, 'cast'), dtype));
  }

  // --- reductions and layout -------------------------------------------------------------

  reduce(op: ReduceOp, x: TensorInfo, axes: readonly number[]): Storage {
    return this.track(reduce(op, dataOf(x, `reduce(${op})`), x.shape, axes, x.dtype));
  }

  transpose(x: TensorInfo, perm: readonly number[]): Storage {
    return this.track(transpose(dataOf(x, 'transpose'), x.shape, perm, x.dtype));
  }

  slice(x: TensorInfo, begin: readonly number[], size: readonly number[]): Storage {
    return this.track(slice(dataOf(x, 'slice'), x.shape, begin, size, x.dtype));
  }

  pad(x: TensorInfo, paddings: readonly (readonly [number, number])[], value: number): Storage {
    return this.track(pad(dataOf(x, 'pad'), x.shape, paddings, value, x.dtype));
  }

  concat(xs: readonly TensorInfo[], axis: number): Storage {
    const dtype = xs[0]?.dtype ?? 'float32';
    return this.track(concat(xs.map((x) => hostOf(x, 'concat')), axis, dtype));
  }

  broadcastTo(x: TensorInfo, shape: Shape): Storage {
    return this.track(broadcastTo(dataOf(x, 'broadcastTo'), x.shape, shape, x.dtype));
  }

  // --- linear algebra ----------------------------------------------------------------------

  matmul(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): Storage {
    const { data } = matmul(hostOf(a, 'matmul'), hostOf(b, 'matmul'), { a: transposeA, b: transposeB }, a.dtype);
    return this.track(data);
  }

  // --- convolution and pooling (NHWC) ----------------------------------------------------

  conv2d(x: TensorInfo, filter: TensorInfo, bias: TensorInfo | null, p: Conv2DParams, relu: boolean): Storage {
    const b = bias === null ? null : dataOf(bias, 'conv2d');
    return this.track(conv2d(hostOf(x, 'conv2d'), hostOf(filter, 'conv2d'), p, { bias: b, relu, dtype: x.dtype }));
  }

  conv2dBackpropInput(dy: TensorInfo, filter: TensorInfo, xShape: Shape, p: Conv2DParams): Storage {
    const op = 'conv2dBackpropInput';
    return this.track(conv2dBackpropInput(dataOf(dy, op), hostOf(filter, op), xShape, p, dy.dtype));
  }

  conv2dBackpropFilter(x: TensorInfo, dy: TensorInfo, filterShape: Shape, p: Conv2DParams): Storage {
    const op = 'conv2dBackpropFilter';
    return this.track(conv2dBackpropFilter(hostOf(x, op), dataOf(dy, op), filterShape, p, x.dtype));
  }

  depthwiseConv2d(x: TensorInfo, filter: TensorInfo, bias: TensorInfo | null, p: Conv2DParams, relu: boolean): Storage {
    const op = 'depthwiseConv2d';
    const b = bias === null ? null : dataOf(bias, op);
    return this.track(depthwiseConv2d(hostOf(x, op), hostOf(filter, op), p, { bias: b, relu, dtype: x.dtype }));
  }

  depthwiseConv2dBackpropInput(dy: TensorInfo, filter: TensorInfo, xShape: Shape, p: Conv2DParams): Storage {
    const op = 'depthwiseConv2dBackpropInput';
    return this.track(depthwiseConv2dBackpropInput(dataOf(dy, op), hostOf(filter, op), xShape, p, dy.dtype));
  }

  depthwiseConv2dBackpropFilter(x: TensorInfo, dy: TensorInfo, filterShape: Shape, p: Conv2DParams): Storage {
    const op = 'depthwiseConv2dBackpropFilter';
    return this.track(depthwiseConv2dBackpropFilter(hostOf(x, op), dataOf(dy, op), filterShape, p, x.dtype));
  }

  maxPool2d(x: TensorInfo, p: Pool2DParams): Storage {
    return this.track(maxPool2d(dataOf(x, 'maxPool2d'), x.shape, p, x.dtype));
  }

  maxPool2dBackward(x: TensorInfo, dy: TensorInfo, p: Pool2DParams): Storage {
    const op = 'maxPool2dBackward';
    return this.track(maxPool2dBackward(dataOf(x, op), x.shape, dataOf(dy, op), p, x.dtype));
  }

  avgPool2d(x: TensorInfo, p: Pool2DParams): Storage {
    return this.track(avgPool2d(dataOf(x, 'avgPool2d'), x.shape, p, x.dtype));
  }

  avgPool2dBackward(dy: TensorInfo, xShape: Shape, p: Pool2DParams): Storage {
    return this.track(avgPool2dBackward(dataOf(dy, 'avgPool2dBackward'), xShape, p, dy.dtype));
  }

  // --- resampling ------------------------------------------------------------------------

  resizeBilinear(x: TensorInfo, outHeight: number, outWidth: number): Storage {
    return this.track(resizeBilinear(dataOf(x, 'resizeBilinear'), x.shape, outHeight, outWidth, x.dtype));
  }

  resizeBilinearBackward(dy: TensorInfo, xShape: Shape): Storage {
    return this.track(resizeBilinearBackward(dataOf(dy, 'resizeBilinearBackward'), dy.shape, xShape, dy.dtype));
  }

  private track(storage: TypedArray): TypedArray {
    this.liveBytes += storage.byteLength;
    return storage;
  }
}

let shared: CpuBackend | null = null;

/** The process's one CPU backend (the default backend, and the float64 oracle the checks use). */
export function cpuBackend(): CpuBackend {
  return (shared ??= new CpuBackend());
}
