/**
 * What the benchmark measures: matrix products, and the forward pass, input gradient and filter
 * gradient of every distinct VGG19 convolution (3×3, stride 1, 'same' padding), plus VGG's 2×2
 * max pooling. FLOPs count a multiply-add as two: 2·M·K·N for a product,
 * 2·N·outH·outW·Cout·kh·kw·Cin for each convolution pass (all three passes do the same
 * arithmetic). Pooling is memory-bound; its "FLOPs" are the window cells compared.
 */
import type { Backend, Conv2DParams, Pool2DParams, TensorInfo } from '../kernels/backend.js';
import type { DType } from '../tensor/dtype.js';
import { Random } from '../tensor/random.js';
import { sizeOf, type Shape } from '../tensor/shape.js';

export interface BenchCase {
  op: string;
  /** Human-readable shape, e.g. "x[1,56,56,256] w[3,3,256,256]". */
  shape: string;
  flops: number;
  /** Uploads the inputs; `launch` runs the kernel once. */
  prepare(backend: Backend): PreparedCase;
}

export interface PreparedCase {
  launch(): TensorInfo;
  dispose(): void;
}

export interface CaseOptions {
  batch: number;
  /** Leave out the slowest cases (every product but 512³). */
  quick: boolean;
  dtype: DType;
}

/** The distinct VGG19 convolutions: input height = width, input channels, output channels. */
export const VGG19_CONVS: readonly (readonly [number, number, number])[] = [
  [224, 3, 64],
  [224, 64, 64],
  [112, 64, 128],
  [112, 128, 128],
  [56, 128, 256],
  [56, 256, 256],
  [28, 256, 512],
  [28, 512, 512],
  [14, 512, 512],
];

/** A product a [1, M, K] · b, b [1, K, N] or (transB) stored [1, N, K] and used transposed. */
export interface MatmulShape {
  M: number;
  K: number;
  N: number;
  transB: boolean;
}

/**
 * The products timed: squares, and VGG19's dense layers at batch 1 (thin products, limited by
 * streaming the weights): fc2 and fc1 forward, and fc1's input gradient (its kernel transposed).
 * Only the first is in a quick run.
 */
export const MATMUL_SHAPES: readonly MatmulShape[] = [
  { M: 512, K: 512, N: 512, transB: false },
  { M: 1024, K: 1024, N: 1024, transB: false },
  { M: 2048, K: 2048, N: 2048, transB: false },
  { M: 1, K: 4096, N: 4096, transB: false },
  { M: 1, K: 25088, N: 4096, transB: false },
  { M: 1, K: 4096, N: 25088, transB: true },
];

/** "a[1,M,K] b[1,K,N]", with b written [1,N,K]ᵀ when transposed (also TF.js's case key). */
export function matmulShapeText(m: MatmulShape): string {
  return `${label('a', [1, m.M, m.K])} ${m.transB ? `${label('b', [1, m.N, m.K])}ᵀ` : label('b', [1, m.K, m.N])}`;
}

export function benchCases(opts: CaseOptions): BenchCase[] {
  const cases: BenchCase[] = (opts.quick ? MATMUL_SHAPES.slice(0, 1) : MATMUL_SHAPES).map((m) => matmulCase(m, opts.dtype));
  for (const [size, cin, cout] of VGG19_CONVS) {
    for (const pass of ['conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter'] as const) {
      cases.push(convCase(pass, { batch: opts.batch, size, cin, cout }, opts.dtype));
    }
  }
  cases.push(maxPoolCase('maxPool2d', opts.batch, 224, 64, opts.dtype));
  cases.push(maxPoolCase('maxPool2dBackward', opts.batch, 224, 64, opts.dtype));
  return cases;
}

const label = (name: string, shape: Shape) => `${name}[${shape.join(',')}]`;

/** Uniform values in [-1, 1), seeded so every run and backend sees the same data. */
function upload(backend: Backend, shape: Shape, dtype: DType, seed: number): TensorInfo {
  const rng = new Random(seed);
  const values = dtype === 'float64' ? new Float64Array(sizeOf(shape)) : new Float32Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = rng.uniform(-1, 1);
  return { storage: backend.upload(values, dtype), shape, dtype };
}

function prepared(backend: Backend, inputs: TensorInfo[], launch: () => TensorInfo): PreparedCase {
  return {
    launch,
    dispose: () => inputs.forEach((t) => backend.free(t.storage, t.dtype, sizeOf(t.shape))),
  };
}

function matmulCase(m: MatmulShape, dtype: DType): BenchCase {
  const { M, K, N, transB } = m;
  return {
    op: 'matmul',
    shape: matmulShapeText(m),
    flops: 2 * M * K * N,
    prepare(backend) {
      const a = upload(backend, [1, M, K], dtype, 1);
      const b = upload(backend, transB ? [1, N, K] : [1, K, N], dtype, 2);
      return prepared(backend, [a, b], () => ({ storage: backend.matmul(a, b, false, transB), shape: [1, M, N], dtype }));
    },
  };
}

type ConvPass = 'conv2d' | 'conv2dBackpropInput' | 'conv2dBackpropFilter';

/** A 3×3 'same' convolution over a square input: batch, side, channels in and out. */
export interface ConvShape {
  batch: number;
  size: number;
  cin: number;
  cout: number;
}

export function convCase(pass: ConvPass, shape: ConvShape, dtype: DType): BenchCase {
  const { batch, size, cin, cout } = shape;
  const xShape = [batch, size, size, cin];
  const wShape = [3, 3, cin, cout];
  const yShape = [batch, size, size, cout];
  const p: Conv2DParams = {
    strides: [1, 1],
    dilations: [1, 1],
    pad: { top: 1, bottom: 1, left: 1, right: 1 },
    outHeight: size,
    outWidth: size,
  };
  return {
    op: pass,
    shape: `${label('x', xShape)} ${label('w', wShape)}`,
    flops: 2 * batch * size * size * cout * 9 * cin,
    prepare(backend) {
      const w = upload(backend, wShape, dtype, 3);
      if (pass === 'conv2d') {
        // As VGG runs it: bias and ReLU fused.
        const x = upload(backend, xShape, dtype, 4);
        const bias = upload(backend, [cout], dtype, 5);
        return prepared(backend, [w, x, bias], () => ({ storage: backend.conv2d(x, w, bias, p, true), shape: yShape, dtype }));
      }
      const dy = upload(backend, yShape, dtype, 6);
      if (pass === 'conv2dBackpropInput') {
        return prepared(backend, [w, dy], () => ({ storage: backend.conv2dBackpropInput(dy, w, xShape, p), shape: xShape, dtype }));
      }
      const x = upload(backend, xShape, dtype, 4);
      return prepared(backend, [w, dy, x], () => ({ storage: backend.conv2dBackpropFilter(x, dy, wShape, p), shape: wShape, dtype }));
    },
  };
}

function maxPoolCase(op: 'maxPool2d' | 'maxPool2dBackward', batch: number, size: number, channels: number, dtype: DType): BenchCase {
  const xShape = [batch, size, size, channels];
  const yShape = [batch, size / 2, size / 2, channels];
  const p: Pool2DParams = {
    window: [2, 2],
    strides: [2, 2],
    pad: { top: 0, bottom: 0, left: 0, right: 0 },
    outHeight: size / 2,
    outWidth: size / 2,
  };
  return {
    op,
    shape: `${label('x', xShape)} window[2,2]`,
    flops: sizeOf(yShape) * 4,
    prepare(backend) {
      const x = upload(backend, xShape, dtype, 7);
      if (op === 'maxPool2d') {
        return prepared(backend, [x], () => ({ storage: backend.maxPool2d(x, p), shape: yShape, dtype }));
      }
      const dy = upload(backend, yShape, dtype, 8);
      return prepared(backend, [x, dy], () => ({ storage: backend.maxPool2dBackward(x, dy, p), shape: xShape, dtype }));
    },
  };
}
