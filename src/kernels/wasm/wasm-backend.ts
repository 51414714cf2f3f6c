/**
 * The WebAssembly backend: float32 kernels over one `WebAssembly.Memory` (wasm-memory.ts), where
 * every tensor lives as a block from upload to free; kernels read operands and write outputs in
 * place, so nothing is copied between ops. Heavy kernels are WebAssembly generated at run time
 * (kernels/), called through a `KernelRunner` so that a thread pool can split them; the rest are
 * TypeScript loops over Float32Array views of the memory, writing into the output block (the CPU
 * backend's loops, which take an output array, where they exist).
 *
 * Views are made after an op's last allocation: allocating may grow the memory, which replaces
 * its buffer. Create it with `createWasmBackend()`.
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
import { formatShape, sizeOf, type Shape } from '../../tensor/shape.js';
import { cast, where } from '../cpu/elementwise.js';
import { broadcastTo, concat, pad, slice, transpose } from '../cpu/layout.js';
import { avgPool2d, avgPool2dBackward } from '../cpu/pool.js';
import { resizeBilinear, resizeBilinearBackward } from '../cpu/resize.js';
import * as conv from './wasm-conv.js';
import type { WasmConvContext, WasmTensorRef } from './wasm-conv.js';
import type { WasmFeatures } from './features.js';
import type { KernelRunner } from './kernel-runner.js';
import { WasmMemory } from './wasm-memory.js';
import { binaryInto, reduceInto, unaryInto } from './wasm-elementwise.js';
import { matmulInto, matmulShape } from './wasm-matmul.js';
import { maxPoolBackwardInto, maxPoolInto } from './wasm-pool.js';
import { depthwiseBackpropFilterInto, depthwiseBackpropInputInto, depthwiseInto } from './wasm-depthwise.js';
import { asWasmStorage, storageOf, type WasmStorage } from './wasm-storage.js';

export interface WasmBackendSetup {
  runner: KernelRunner;
  features: WasmFeatures;
  /** Why fewer threads run than were asked for, if so (shown by info()). */
  threadNote?: string;
}

export class WasmBackend implements Backend {
  readonly name = 'wasm' as const;
  readonly supportsFloat64 = false;
  readonly memory: WasmMemory;
  private readonly runner: KernelRunner;
  private readonly features: WasmFeatures;
  private readonly threadNote: string | undefined;
  private readonly convContext: WasmConvContext;

  /** @internal Use createWasmBackend(). */
  constructor(setup: WasmBackendSetup) {
    this.runner = setup.runner;
    this.features = setup.features;
    this.threadNote = setup.threadNote;
    this.memory = new WasmMemory(setup.runner.memory);
    this.convContext = { runner: this.runner, scratch: this.memory, features: this.features };
  }

  info(): BackendInfo {
    const t = this.runner.threads;
    const simd = this.features.simd ? 'SIMD128' : 'no SIMD';
    const relaxed = this.features.relaxedSimd ? 'relaxed SIMD' : 'no relaxed SIMD';
    return {
      name: 'wasm',
      adapter: `WebAssembly (${t} thread${t === 1 ? '' : 's'}, ${simd}, ${relaxed})`,
      threads: t,
      ...(this.threadNote !== undefined ? { threadNote: this.threadNote } : {}),
    };
  }

  /** Stops the runner's threads; the backend is unusable afterwards. */
  dispose(): void {
    this.runner.dispose();
  }

  // --- storage ---------------------------------------------------------------------------

  upload(values: TypedArray, dtype: DType): Storage {
    this.f32('upload', dtype);
    const s = this.alloc('upload', [values.length]);
    this.view(s).set(values);
    return s;
  }

  fill(size: number, value: number, dtype: DType): Storage {
    this.f32('fill', dtype);
    if (!(Number.isInteger(size) && size >= 0)) throw new Error(`wasm.fill: size must be a non-negative integer, got ${size}`);
    const s = this.alloc('fill', [size]);
    this.view(s).fill(value);
    return s;
  }

  read(x: TensorInfo): Promise<TypedArray> {
    return Promise.resolve(this.readSync(x));
  }

  /** A copy of the values (the memory is reused after the tensor is freed). */
  readSync(x: TensorInfo): TypedArray {
    return this.view(this.in('read', x)).slice();
  }

  free(storage: Storage, _dtype: DType, _size: number): void {
    const s = asWasmStorage('free', this, storage);
    s.released = true;
    if (s.size > 0) this.memory.free(s.address);
  }

  bytesInUse(): number {
    return this.memory.bytesInUse();
  }

  // --- elementwise -----------------------------------------------------------------------

  unary(op: UnaryOp, x: TensorInfo): Storage {
    const xs = this.in(`unary(${op})`, x);
    return this.produce(`unary(${op})`, x.shape, (out) => {
      unaryInto(this.runner, op, xs.address, out.address, xs.size);
    });
  }

  binary(op: BinaryOp, a: TensorInfo, b: TensorInfo, outShape: Shape): Storage {
    const name = `binary(${op})`;
    const [as, bs] = [this.in(name, a), this.in(name, b)];
    return this.produce(name, outShape, (out) => {
      binaryInto(this.runner, op, { address: as.address, shape: a.shape }, { address: bs.address, shape: b.shape }, out.address, outShape);
    });
  }

  where(cond: TensorInfo, a: TensorInfo, b: TensorInfo, outShape: Shape): Storage {
    const [cs, as, bs] = [this.in('where', cond), this.in('where', a), this.in('where', b)];
    return this.produce('where', outShape, (out) => {
      where(this.host(cs, cond.shape), this.host(as, a.shape), this.host(bs, b.shape), outShape, 'float32', this.view(out));
    });
  }

  cast(x: TensorInfo, dtype: DType): Storage {
    this.f32('cast', dtype);
    const xs = this.in('cast', x);
    return this.produce('cast', x.shape, (out) => {
      cast(this.view(xs), 'float32', this.view(out));
    });
  }

  // --- reductions and layout -------------------------------------------------------------

  reduce(op: ReduceOp, x: TensorInfo, axes: readonly number[]): Storage {
    const xs = this.in(`reduce(${op})`, x);
    const outShape = x.shape.filter((_, i) => !axes.includes(i));
    return this.produce(`reduce(${op})`, outShape, (out) => {
      reduceInto(this.runner, op, { address: xs.address, shape: x.shape }, axes, out.address);
    });
  }

  transpose(x: TensorInfo, perm: readonly number[]): Storage {
    const xs = this.in('transpose', x);
    return this.produce('transpose', perm.map((p) => x.shape[p]!), (out) => {
      transpose(this.view(xs), x.shape, perm, 'float32', this.view(out));
    });
  }

  slice(x: TensorInfo, begin: readonly number[], size: readonly number[]): Storage {
    const xs = this.in('slice', x);
    return this.produce('slice', size, (out) => {
      slice(this.view(xs), x.shape, begin, size, 'float32', this.view(out));
    });
  }

  pad(x: TensorInfo, paddings: readonly (readonly [number, number])[], value: number): Storage {
    const xs = this.in('pad', x);
    return this.produce('pad', x.shape.map((d, i) => paddings[i]![0] + d + paddings[i]![1]), (out) => {
      pad(this.view(xs), x.shape, paddings, value, 'float32', this.view(out));
    });
  }

  concat(xs: readonly TensorInfo[], axis: number): Storage {
    const first = xs[0];
    if (!first) throw new Error('wasm.concat: no inputs');
    const parts = xs.map((x) => this.in('concat', x));
    const outShape = first.shape.map((d, i) => (i === axis ? xs.reduce((s, x) => s + x.shape[axis]!, 0) : d));
    return this.produce('concat', outShape, (out) => {
      concat(parts.map((s, i) => this.host(s, xs[i]!.shape)), axis, 'float32', this.view(out));
    });
  }

  broadcastTo(x: TensorInfo, shape: Shape): Storage {
    const xs = this.in('broadcastTo', x);
    return this.produce('broadcastTo', shape, (out) => {
      broadcastTo(this.view(xs), x.shape, shape, 'float32', this.view(out));
    });
  }

  // --- linear algebra ----------------------------------------------------------------------

  matmul(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): Storage {
    const [as, bs] = [this.in('matmul', a), this.in('matmul', b)];
    return this.produce('matmul', matmulShape(a.shape, b.shape, transposeA, transposeB), (out) => {
      matmulInto(this.runner, this.memory, this.features, { address: as.address, shape: a.shape }, { address: bs.address, shape: b.shape }, transposeA, transposeB, out.address);
    });
  }

  // --- convolution and pooling (NHWC) ----------------------------------------------------

  conv2d(x: TensorInfo, filter: TensorInfo, bias: TensorInfo | null, p: Conv2DParams, relu: boolean): Storage {
    const [xr, fr] = [this.ref('conv2d', x), this.ref('conv2d', filter)];
    const br = bias === null ? null : this.ref('conv2d', bias);
    return this.produce('conv2d', [x.shape[0]!, p.outHeight, p.outWidth, filter.shape[3]!], (out) => {
      if (out.size === 0) return;
      if (sizeOf(filter.shape) > 0) return conv.conv2dForward(this.convContext, xr, fr, br, out.address, p, relu);
      // No taps or no input channels: every output is the bias (through ReLU), or 0.
      const y = this.view(out);
      if (br === null) return y.fill(0);
      const b = new Float32Array(this.runner.memory.buffer, br.address, sizeOf(br.shape));
      for (let i = 0; i < y.length; i += b.length) y.set(b, i);
      if (relu) for (let i = 0; i < y.length; i++) y[i] = y[i]! < 0 ? 0 : y[i]!;
    });
  }

  conv2dBackpropInput(dy: TensorInfo, filter: TensorInfo, xShape: Shape, p: Conv2DParams): Storage {
    const op = 'conv2dBackpropInput';
    const [dyr, fr] = [this.ref(op, dy), this.ref(op, filter)];
    return this.produce(op, xShape, (out) => {
      if (out.size === 0) return;
      // An empty filter or dy contributes nothing: the gradient is 0.
      if (sizeOf(filter.shape) === 0 || sizeOf(dy.shape) === 0) return void this.view(out).fill(0);
      conv.conv2dBackpropInput(this.convContext, dyr, fr, out.address, xShape, p);
    });
  }

  conv2dBackpropFilter(x: TensorInfo, dy: TensorInfo, filterShape: Shape, p: Conv2DParams): Storage {
    const op = 'conv2dBackpropFilter';
    const [xr, dyr] = [this.ref(op, x), this.ref(op, dy)];
    return this.produce(op, filterShape, (out) => {
      if (out.size === 0) return;
      // No pixels to sum over: the gradient is 0.
      if (sizeOf(x.shape) === 0 || sizeOf(dy.shape) === 0) return void this.view(out).fill(0);
      conv.conv2dBackpropFilter(this.convContext, xr, dyr, out.address, filterShape, p);
    });
  }

  depthwiseConv2d(x: TensorInfo, filter: TensorInfo, bias: TensorInfo | null, p: Conv2DParams, relu: boolean): Storage {
    const op = 'depthwiseConv2d';
    const [xr, fr] = [this.ref(op, x), this.ref(op, filter)];
    const br = bias === null ? null : this.ref(op, bias);
    return this.produce(op, [x.shape[0]!, p.outHeight, p.outWidth, (filter.shape[2] ?? 0) * (filter.shape[3] ?? 0)], (out) => {
      depthwiseInto(this.runner, xr, fr, br, p, relu, out.address);
    });
  }

  depthwiseConv2dBackpropInput(dy: TensorInfo, filter: TensorInfo, xShape: Shape, p: Conv2DParams): Storage {
    const op = 'depthwiseConv2dBackpropInput';
    const [dyr, fr] = [this.ref(op, dy), this.ref(op, filter)];
    return this.produce(op, xShape, (out) => depthwiseBackpropInputInto(this.runner, dyr, fr, xShape, p, out.address));
  }

  depthwiseConv2dBackpropFilter(x: TensorInfo, dy: TensorInfo, filterShape: Shape, p: Conv2DParams): Storage {
    const op = 'depthwiseConv2dBackpropFilter';
    const [xr, dyr] = [this.ref(op, x), this.ref(op, dy)];
    return this.produce(op, filterShape, (out) => depthwiseBackpropFilterInto(this.runner, xr, dyr, filterShape, p, out.address));
  }

  maxPool2d(x: TensorInfo, p: Pool2DParams): Storage {
    const xs = this.in('maxPool2d', x);
    return this.produce('maxPool2d', [x.shape[0]!, p.outHeight, p.outWidth, x.shape[3]!], (out) => {
      maxPoolInto(this.runner, xs.address, x.shape, p, out.address);
    });
  }

  maxPool2dBackward(x: TensorInfo, dy: TensorInfo, p: Pool2DParams): Storage {
    const op = 'maxPool2dBackward';
    const [xs, dys] = [this.in(op, x), this.in(op, dy)];
    return this.produce(op, x.shape, (out) => {
      maxPoolBackwardInto(this.runner, xs.address, x.shape, dys.address, p, out.address);
    });
  }

  avgPool2d(x: TensorInfo, p: Pool2DParams): Storage {
    const xs = this.in('avgPool2d', x);
    return this.produce('avgPool2d', [x.shape[0]!, p.outHeight, p.outWidth, x.shape[3]!], (out) => {
      avgPool2d(this.view(xs), x.shape, p, 'float32', this.view(out));
    });
  }

  avgPool2dBackward(dy: TensorInfo, xShape: Shape, p: Pool2DParams): Storage {
    const dys = this.in('avgPool2dBackward', dy);
    return this.produce('avgPool2dBackward', xShape, (out) => {
      avgPool2dBackward(this.view(dys), xShape, p, 'float32', this.view(out));
    });
  }

  // --- resampling ------------------------------------------------------------------------

  resizeBilinear(x: TensorInfo, outHeight: number, outWidth: number): Storage {
    const xs = this.in('resizeBilinear', x);
    return this.produce('resizeBilinear', [x.shape[0]!, outHeight, outWidth, x.shape[3]!], (out) => {
      resizeBilinear(this.view(xs), x.shape, outHeight, outWidth, 'float32', this.view(out));
    });
  }

  resizeBilinearBackward(dy: TensorInfo, xShape: Shape): Storage {
    const dys = this.in('resizeBilinearBackward', dy);
    return this.produce('resizeBilinearBackward', xShape, (out) => {
      resizeBilinearBackward(this.view(dys), dy.shape, xShape, 'float32', this.view(out));
    });
  }

  // --- helpers -----------------------------------------------------------------------------

  /** A new output block that `write` fills; freed again if `write` throws, so a failed op leaks nothing. */
  private produce(op: string, shape: Shape, write: (out: WasmStorage) => void): WasmStorage {
    const out = this.alloc(op, shape);
    try {
      write(out);
    } catch (e) {
      this.free(out, 'float32', out.size);
      throw e;
    }
    return out;
  }

  /** A new block for an output of `shape` (none for an empty one). */
  private alloc(op: string, shape: Shape): WasmStorage {
    const size = sizeOf(shape);
    if (!(Number.isSafeInteger(size) && size >= 0)) throw new Error(`wasm.${op}: output shape ${formatShape(shape)} is not a tensor shape`);
    const address = size === 0 ? 0 : this.memory.alloc(size * 4, `the ${op} output ${formatShape(shape)}`);
    return { address, size, owner: this, released: false };
  }

  /** The storage of an input, checked to be float32, this backend's, live, and of its shape. */
  private in(op: string, x: TensorInfo): WasmStorage {
    this.f32(op, x.dtype);
    return storageOf(op, this, x);
  }

  private ref(op: string, x: TensorInfo): WasmTensorRef {
    return { address: this.in(op, x).address, shape: x.shape };
  }

  /** A view of the block; valid until the next allocation (which may grow the memory). */
  private view(s: WasmStorage): Float32Array {
    return new Float32Array(this.runner.memory.buffer, s.address, s.size);
  }

  private host(s: WasmStorage, shape: Shape): { data: Float32Array; shape: Shape } {
    return { data: this.view(s), shape };
  }

  private f32(op: string, ...dtypes: DType[]): void {
    for (const d of dtypes) {
      if (d !== 'float32') throw new Error(`wasm.${op}: the WebAssembly backend computes in float32 only, got ${d}`);
    }
  }
}
