/**
 * Runs in the browser (bundled by test/browser/run-in-chromium.ts): the WebGPU backend through
 * navigator.gpu, a small network's value and gradients against the CPU float64 oracle, with the
 * adapter's own kernels and with those of real GPUs forced (with ?variants also other tilings and
 * autotuning), and the kernel profile; the report is POSTed to /result.
 *
 * The network touches most kernels a model needs: bilinear resize, conv2d with bias and ReLU
 * (forward, input and filter gradients), max pooling and its gradient, a dense layer (matmul and
 * its transposed forms), softmax and reductions.
 */
import * as op from '../../src/autograd/ops.js';
import { valueAndGrad } from '../../src/autograd/functional.js';
import type { Backend, BackendInfo } from '../../src/kernels/backend.js';
import { CpuBackend } from '../../src/kernels/cpu/cpu-backend.js';
import { createWebGpuBackend } from '../../src/kernels/webgpu/device.js';
import type { GpuExecutor } from '../../src/kernels/webgpu/executor.js';
import { createInstrumentedWebGpuBackend } from '../../src/kernels/webgpu/instrumented-backend.js';
import { randomUniform } from '../../src/tensor/creation.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { report, step } from './page-report.js';

export interface Check {
  name: string;
  /** Largest |webgpu − cpu| over the largest |cpu|. */
  relErr: number;
}

/** Channels of the input and of the convolution, and the dense layer's outputs. */
interface Net {
  cin: number;
  cout: number;
  classes: number;
}

function shapes(n: Net): number[][] {
  return [[2, 7, 7, n.cin], [3, 3, n.cin, n.cout], [n.cout], [n.cout * 7 * 7, n.classes]];
}

function net(n: Net): (x: Tensor, w: Tensor, b: Tensor, d: Tensor) => Tensor {
  return (x, w, b, d) => {
    const up = op.resizeBilinear(x, [14, 14]);
    const h = op.maxPool2d(op.conv2d(up, w, { padding: 'same', bias: b, activation: 'relu' }), { window: 2 });
    const logits = op.matmul(op.reshape(h, [2, n.cout * 7 * 7]), d);
    return op.sum(op.mul(op.softmax(logits), logits));
  };
}

async function run(backend: Backend, dtype: 'float32' | 'float64', n: Net): Promise<Float64Array[]> {
  const ts = shapes(n).map((shape, i) => randomUniform(shape, -1, 1, { seed: i + 1, backend, dtype }));
  const { value, grads } = valueAndGrad(net(n))(...ts);
  const out = [Float64Array.from(await value.data())];
  for (const g of grads) out.push(Float64Array.from(await g.data()));
  return out;
}

async function compare(gpu: Backend, n: Net, label: string): Promise<Check[]> {
  const [ours, oracle] = [await run(gpu, 'float32', n), await run(new CpuBackend(), 'float64', n)];
  return ['value', 'd/dx', 'd/dw', 'd/db', 'd/dd'].map((name, i) => {
    const a = ours[i]!;
    const e = oracle[i]!;
    const scale = Math.max(...Array.from(e, Math.abs), 1e-30);
    return { name: `${label} ${name}`, relErr: Math.max(...Array.from(a, (v, k) => Math.abs(v - e[k]!))) / scale };
  });
}

/**
 * The default page: the adapter's own kernels and those of real GPUs forced (workgroup-memory
 * tiles, the thin-product kernels), the profile and timestamps. With ?variants (the slow tier's
 * page) it also runs the other tilings and autotuning: each variant is more WGSL for SwiftShader
 * to compile on the CPU, and the Node suites already check every variant on llvmpipe.
 */
/** What the page reports (the browser tests read it through runInChromium). */
export interface MainPageReport {
  info: BackendInfo;
  navigatorGpu: boolean;
  checks: Check[];
  /** Kernel family, and tile for the tiled kernel (BMxBNxBKxbuffers), of the forced real-GPU kernels. */
  gpuKernelVariants: string[];
  profiled: string[];
  /** Each dispatch's GPU time, where the adapter has timestamp queries. */
  timed: { kernel: string; ms: number }[] | null;
  /** With ?variants: what autotuning tuned and timed, and what it skipped (null without). */
  autotuned: { problems: string[]; timed: number; skipped: string[] } | null;
}

async function main(): Promise<MainPageReport> {
  const allVariants = new URLSearchParams(location.search).has('variants');
  await step('creating backends');
  const gpu = await createWebGpuBackend();
  // The kernels real GPUs get (workgroup-memory tiles, the thin-product kernels), forced: 16
  // channels take the tiled convolution, 2 rows and 8 classes the matvec kernels.
  const gpuKernels = await createInstrumentedWebGpuBackend({ kernelProfile: 'gpu' });
  const variants: string[] = [];
  const record = (ex: GpuExecutor): void => {
    const dispatch = ex.dispatch.bind(ex);
    ex.dispatch = (d) => {
      variants.push(d.variant);
      dispatch(d);
    };
  };
  record(gpuKernels.executor);
  const checks: Check[] = [];
  await step('adapter kernels');
  checks.push(...(await compare(gpu, { cin: 3, cout: 8, classes: 5 }, 'adapter kernels')));
  await step('gpu kernels');
  checks.push(...(await compare(gpuKernels, { cin: 16, cout: 16, classes: 8 }, 'gpu kernels')));
  let autotuned: MainPageReport['autotuned'] = null;
  if (allVariants) {
    const smallTiles = await createInstrumentedWebGpuBackend({ kernelProfile: 'gpu', gemm: { family: 'tiled', tile: { rows: 32, cols: 32 }, fillWorkgroups: 1024 } });
    // TF.js's tiling: 32×32 tiles, K steps of 32 (four vec4 copies per invocation and step).
    const longSteps = await createInstrumentedWebGpuBackend({ kernelProfile: 'gpu', gemm: { family: 'tiled', tile: { rows: 32, cols: 32 }, fillWorkgroups: 1024, kStep: 32 } });
    record(smallTiles.executor);
    record(longSteps.executor);
    await step('32x32 tiles');
    checks.push(...(await compare(smallTiles, { cin: 16, cout: 16, classes: 8 }, 'gpu kernels, 32×32 tiles')));
    await step('k32');
    checks.push(...(await compare(longSteps, { cin: 32, cout: 32, classes: 8 }, 'gpu kernels, K steps of 32')));
    await step('autotune');
    // Autotuning in the browser: every variant of the network's products and convolutions runs,
    // is checked against the default and timed; then the network is checked with the choices.
    // A few candidates only: SwiftShader compiles each variant's pipelines on the CPU (the full list
    // took over 80 s there); the Node suites cover every candidate on llvmpipe.
    const tuning = await gpuKernels.autotune(() => run(gpuKernels, 'float32', { cin: 16, cout: 16, classes: 8 }), {
      candidates: [{ family: 'tiled', tile: { rows: 32, cols: 32 }, fillWorkgroups: 0 }, { family: 'direct' }],
    });
    await step('autotuned check');
    checks.push(...(await compare(gpuKernels, { cin: 16, cout: 16, classes: 8 }, 'gpu kernels, autotuned')));
    autotuned = {
      problems: tuning.problems.map((p) => p.key.split(' ')[0]!),
      timed: tuning.problems.reduce((n, p) => n + p.candidates.filter((c) => c.ms !== undefined).length, 0),
      skipped: tuning.problems.flatMap((p) => p.candidates.map((c) => c.skipped ?? '')).filter((s) => s && !s.startsWith('same kernels as')),
    };
  }
  await step('profile');
  const x = randomUniform([2, 7, 7, 3], -1, 1, { seed: 9, backend: gpu, dtype: 'float32' });
  const profile = await gpu.profile(async () => {
    await op.sum(op.resizeBilinear(x, [14, 14])).data();
  });
  await step('timestamps');
  // Kernel timing by GPU timestamps where the browser's adapter offers them.
  const timed = gpu.canTimeKernels()
    ? (await gpu.timeKernels(async () => {
        await op.sum(op.resizeBilinear(x, [14, 14])).data();
      })).dispatches.map((d) => ({ kernel: d.kernel, ms: d.ms }))
    : null;
  return {
    info: gpu.info(),
    timed,
    navigatorGpu: typeof navigator !== 'undefined' && 'gpu' in navigator,
    checks,
    // Kernel family, and tile for the tiled kernel (BMxBNxBKxbuffers).
    gpuKernelVariants: [...new Set(variants.map((v) => (v.startsWith('tiled|') ? `tiled ${v.split('|').at(-1)}` : v.split('|')[0]!)))],
    profiled: profile.dispatches.map((d) => d.kernel),
    autotuned,
  };
}

report(main);
