/**
 * TensorFlow.js's WebGPU backend (4.22, a dev dependency) on the same Dawn adapter as ours, for
 * comparison only (bench/compare-tfjs.ts). TF.js looks for `navigator.gpu` when its module loads,
 * so the Dawn globals are installed first and the backend is imported afterwards. Its adapter
 * request asks for the core feature level; where only a compatibility adapter exists (llvmpipe)
 * the request is retried at the compatibility level, the same order our backend uses.
 */
import { EXACT_TIMESTAMPS } from '../src/kernels/webgpu/device.js';
import { sizeOf, type Shape } from '../src/tensor/shape.js';
import { Random } from '../src/tensor/random.js';
import { matmulShapeText, type MatmulShape } from '../src/bench/kernel-cases.js';
import { timeRuns, type Timing, type TimingOptions } from '../src/bench/timing.js';

type Tf = typeof import('@tensorflow/tfjs-core');
type TfTensor = import('@tensorflow/tfjs-core').Tensor;

/** Dawn instances must stay reachable while their devices live (see src/kernels/webgpu/device.ts). */
const keepAlive: unknown[] = [];

export interface TfjsRunner {
  tf: Tf;
  adapter: string;
}

/**
 * `dawnBackend` picks one Dawn backend instead (e.g. 'null', which runs nothing: for measuring
 * the host's cost per launch, bench/host-overhead.ts).
 */
export async function createTfjsWebGpu(dawnBackend?: string): Promise<TfjsRunner> {
  const dawn = (await import('webgpu')) as unknown as { create(flags: string[]): GPU; globals: object };
  Object.assign(globalThis, dawn.globals);
  // Exact timestamps as for ours (device.ts), so that tf.time's kernelMs can be compared with timeKernels.
  const core = dawn.create(dawnBackend ? [`backend=${dawnBackend}`, EXACT_TIMESTAMPS] : [EXACT_TIMESTAMPS]);
  const compat = dawnBackend ? null : dawn.create(['backend=opengles']);
  keepAlive.push(core, compat);
  const gpu = {
    async requestAdapter(opts?: GPURequestAdapterOptions): Promise<GPUAdapter | null> {
      const a = (await core.requestAdapter(opts)) ?? (await compat?.requestAdapter({ ...opts, featureLevel: 'compatibility' } as GPURequestAdapterOptions)) ?? null;
      keepAlive.push(a);
      return a;
    },
    getPreferredCanvasFormat: () => 'rgba8unorm' as GPUTextureFormat,
    wgslLanguageFeatures: core.wgslLanguageFeatures,
  };
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs: the webgpu backend did not initialise');
  await tf.ready();
  const info = (tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string } }).adapterInfo;
  return { tf, adapter: [info?.vendor, info?.architecture].filter(Boolean).join(' ') || 'unknown adapter' };
}

/** Uniform values in [-1, 1) from a seed (the same generator the bench cases use). */
export function tfUniform(tf: Tf, shape: Shape, seed: number): TfTensor {
  const rng = new Random(seed);
  const v = new Float32Array(sizeOf(shape));
  for (let i = 0; i < v.length; i++) v[i] = rng.uniform(-1, 1);
  return tf.tensor(v, [...shape], 'float32');
}

export interface TfCase {
  /** Same op and shape text as the matching case in cases.ts. */
  key: string;
  flops: number;
  /** Bytes of the largest tensor the case binds (TF.js binds each tensor whole). */
  largestTensorBytes: number;
  prepare(tf: Tf): { launch(): TfTensor; dispose(): void };
}

const label = (name: string, shape: Shape) => `${name}[${shape.join(',')}]`;

export function tfMatmulCase(m: MatmulShape): TfCase {
  const { M, K, N, transB } = m;
  return {
    key: `matmul ${matmulShapeText(m)}`,
    flops: 2 * M * K * N,
    largestTensorBytes: 4 * Math.max(M * K, K * N, M * N),
    prepare(tf) {
      const a = tfUniform(tf, [1, M, K], 1);
      const b = tfUniform(tf, transB ? [1, N, K] : [1, K, N], 2);
      return { launch: () => tf.matMul(a, b, false, transB), dispose: () => tf.dispose([a, b]) };
    },
  };
}

export type ConvPass = 'conv2d' | 'conv2dBackpropInput' | 'conv2dBackpropFilter';

/** 3×3, stride 1, 'same' padding, as in VGG19; the forward pass fuses bias and ReLU. */
export function tfConvCase(pass: ConvPass, batch: number, size: number, cin: number, cout: number): TfCase {
  const xShape = [batch, size, size, cin] as [number, number, number, number];
  const wShape = [3, 3, cin, cout] as [number, number, number, number];
  const yShape = [batch, size, size, cout] as [number, number, number, number];
  return {
    key: `${pass} ${label('x', xShape)} ${label('w', wShape)}`,
    flops: 2 * batch * size * size * cout * 9 * cin,
    largestTensorBytes: 4 * Math.max(sizeOf(xShape), sizeOf(wShape), sizeOf(yShape)),
    prepare(tf) {
      const w = tfUniform(tf, wShape, 3) as import('@tensorflow/tfjs-core').Tensor4D;
      if (pass === 'conv2d') {
        const x = tfUniform(tf, xShape, 4) as import('@tensorflow/tfjs-core').Tensor4D;
        const bias = tfUniform(tf, [cout], 5);
        return {
          launch: () => tf.fused.conv2d({ x, filter: w, strides: 1, pad: 'same', bias, activation: 'relu' }),
          dispose: () => tf.dispose([w, x, bias]),
        };
      }
      const dy = tfUniform(tf, yShape, 6) as import('@tensorflow/tfjs-core').Tensor4D;
      if (pass === 'conv2dBackpropInput') {
        // conv2dTranspose is TF.js's Conv2DBackpropInput kernel (filter [h, w, in, out] = HWIO here).
        return { launch: () => tf.conv2dTranspose(dy, w, xShape, 1, 'same'), dispose: () => tf.dispose([w, dy]) };
      }
      const x = tfUniform(tf, xShape, 4);
      return {
        launch: () =>
          tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
            strides: [1, 1],
            pad: 'same',
            dataFormat: 'NHWC',
            dimRoundingMode: undefined,
            filterShape: wShape,
          } as unknown as import('@tensorflow/tfjs-core').NamedAttrMap) as TfTensor,
        dispose: () => tf.dispose([w, dy, x]),
      };
    },
  };
}

/**
 * Runs `reps` times and waits for the last result by reading one element, as timing.ts does for
 * ours; milliseconds per run.
 */
export async function tfTimeOnce(tf: Tf, launch: () => TfTensor, reps = 1): Promise<number> {
  const start = performance.now();
  let y = launch();
  for (let i = 1; i < reps; i++) {
    y.dispose();
    y = launch();
  }
  const one = tf.slice(y, y.shape.map(() => 0), y.shape.map(() => 1));
  await one.data();
  const ms = performance.now() - start;
  tf.dispose([y, one]);
  return ms / reps;
}

/** Times one TF.js launch by the same rule as our kernels (bench/timing.ts's timeRuns). */
export function tfTimeKernel(tf: Tf, launch: () => TfTensor, opts: TimingOptions): Promise<Timing> {
  return timeRuns((reps) => tfTimeOnce(tf, launch, reps), opts);
}

/** Whether TF.js's backend reads GPU timestamps (its device has 'timestamp-query'), so that tf.time reports kernelMs. */
export function tfCanTimeKernels(tf: Tf): boolean {
  return (tf.backend() as unknown as { supportTimestampQuery?: boolean }).supportTimestampQuery === true;
}

/** GPU milliseconds of one launch by TF.js's own timestamps (tf.time's kernelMs: every program it ran, summed); NaN if unusable. */
export async function tfKernelMs(tf: Tf, launch: () => TfTensor): Promise<number> {
  const t = await tf.time(() => {
    launch().dispose();
  });
  // TF.js subtracts the timestamps as they come: values a device did not write can give any sign.
  const ms = t.kernelMs as number;
  return ms > 0 ? ms : NaN;
}
