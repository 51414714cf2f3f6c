/**
 * End-to-end timings on a whole model: a forward pass, a forward + input-gradient pass, and,
 * with `steps`, Integrated Gradients and RSI-Grad-CAM at m steps and one baseline-optimisation
 * iteration. Times wait for the device (every case reads its result back).
 */
import * as op from '../autograd/ops.js';
import { vjp } from '../autograd/functional.js';
import { noGrad } from '../autograd/tape.js';
import { integratedGradients } from '../attribution/integrated-gradients.js';
import { optimizeBaseline } from '../attribution/optimize-baseline.js';
import { rsiGradCam } from '../attribution/rsi-grad-cam.js';
import { defaultCamLayer, gradCam } from '../attribution/grad-cam.js';
import type { Backend } from '../kernels/backend.js';
import { buildVgg19, VGG19_CONV_LAYERS } from '../models/vgg19.js';
import type { SequentialModel } from '../models/sequential.js';
import type { WeightLayer } from '../models/weights-source.js';
import { fromArray, randomUniform } from '../tensor/creation.js';
import { Random } from '../tensor/random.js';
import { SPIN_UP_MS } from './timing.js';
import { scope } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';

export interface EndToEndResult {
  op: string;
  shape: string;
  backend: string;
  ms: number;
  gflops: number;
  runs: number;
  note?: string;
}

/** VGG19 forward FLOPs at 224×224 (multiply-add = 2): 39.0 GFLOP with the top. */
export function modelForwardFlops(model: SequentialModel): number {
  let flops = 0;
  let shape: readonly number[] = model.inputShape;
  for (const l of model.layers) {
    const out = model.layerShape(l.name);
    if (l.kind === 'conv2d') {
      const k = l.weights[0]!.shape;
      flops += 2 * out[0]! * out[1]! * out[2]! * k[0]! * k[1]! * k[2]!;
    } else if (l.kind === 'dense') flops += 2 * l.weights[0]!.shape[0]! * l.weights[0]!.shape[1]!;
    shape = out;
  }
  void shape;
  return flops;
}

/** VGG19 with seeded random weights (He initialisation), for timing without a weight file. */
export function randomVgg19(backend: Backend, seed = 0): SequentialModel {
  const rng = new Random(seed);
  const widths = [64, 64, 128, 128, 256, 256, 256, 256, 512, 512, 512, 512, 512, 512, 512, 512];
  const layers: WeightLayer[] = [];
  let cin = 3;
  const normal = (n: number, std: number): Float32Array => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = rng.normal(0, std);
    return a;
  };
  VGG19_CONV_LAYERS.forEach((name, i) => {
    const cout = widths[i]!;
    layers.push({ name, weights: [{ name: 'kernel', shape: [3, 3, cin, cout], data: normal(9 * cin * cout, Math.sqrt(2 / (9 * cin))) }, { name: 'bias', shape: [cout], data: new Float32Array(cout) }] });
    cin = cout;
  });
  for (const [name, fin, fout] of [['fc1', 25088, 4096], ['fc2', 4096, 4096], ['predictions', 4096, 1000]] as const) {
    layers.push({ name, weights: [{ name: 'kernel', shape: [fin, fout], data: normal(fin * fout, Math.sqrt(2 / fin)) }, { name: 'bias', shape: [fout], data: new Float32Array(fout) }] });
  }
  return buildVgg19(layers, { backend });
}

/**
 * Median of `runs` timed runs after a warm-up (at least 5 when a run takes under 2 s, as on a
 * GPU); runs = 0: one timed run, no warm-up (long cases). Short cases then run untimed for
 * SPIN_UP_MS more: a GPU that idled while the model was built runs at a fraction of its clock
 * (an H200: 345 against 1980 MHz), and a forward pass of a few ms with read-backs between runs
 * may never bring it up by itself (the first warm-up compiles pipelines and does not count).
 */
async function timeIt(runs: number, fn: () => Promise<void>): Promise<{ ms: number; runs: number }> {
  if (runs === 0) {
    const t = performance.now();
    await fn();
    return { ms: performance.now() - t, runs: 1 };
  }
  const t0 = performance.now();
  await fn(); // warm-up: pipelines, JIT, first-touch
  if (performance.now() - t0 < 2000) {
    runs = Math.max(runs, 5);
    const t1 = performance.now();
    while (performance.now() - t1 < SPIN_UP_MS) await fn();
  }
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)]!, runs };
}

/** One forward pass of `x`, read back (what the 'forward' row times). */
export async function forwardPass(model: SequentialModel, x: Tensor): Promise<void> {
  const y = scope(() => noGrad(() => model.run(x).output));
  await y.data();
  y.dispose();
}

/** Forward and backward to the input for class 0, read back (the 'forward+input gradient' row). */
export async function inputGradientPass(model: SequentialModel, x: Tensor): Promise<void> {
  const grad = scope(() => {
    const r = vjp((xi) => op.sum(op.pickClasses(model.run(xi).output, [0])), x);
    const [gx] = r.pullback();
    r.value.dispose();
    return gx!;
  });
  await grad.data();
  grad.dispose();
}

/** The input the end-to-end cases use: seeded pixels in [-100, 100), as after preprocessing. */
export function benchInput(model: SequentialModel, backend: Backend): Tensor {
  return randomUniform([1, ...model.inputShape], -100, 100, { seed: 7, backend, dtype: 'float32' });
}

export interface EndToEndOptions {
  backend: Backend;
  model: SequentialModel;
  /** Attribution steps m (0: skip IG, RSI and the baseline iteration). */
  steps: number;
  batch?: number;
  runs?: number;
  /**
   * WebGPU: tune the kernels on the forward and forward + input-gradient passes before timing
   * them (a row 'autotune' says what it cost), and let IG, RSI-Grad-CAM and the baseline
   * iteration tune their own batch shapes (gemm-autotune.ts). Ignored on the CPU.
   */
  autotune?: boolean;
  /** Progress of that tuning over the distinct kernel shapes. */
  onAutotuneProgress?: (done: number, total: number) => void;
  onResult?: (r: EndToEndResult) => void;
}

export async function benchEndToEnd(opts: EndToEndOptions): Promise<EndToEndResult[]> {
  const { backend, model } = opts;
  const runs = opts.runs ?? 2;
  const [H, W, C] = model.inputShape;
  const x = benchInput(model, backend);
  const black = fromArray(new Float32Array(H * W * C).fill(-110), [1, H, W, C], { backend });
  const fwd = modelForwardFlops(model);
  const results: EndToEndResult[] = [];
  const emit = (r: EndToEndResult): void => {
    results.push(r);
    opts.onResult?.(r);
  };
  const name = backend.name;
  const shape = `${model.name} [1,${H},${W},${C}]`;
  const autotune = opts.autotune === true;
  try {
    if (autotune && backend.autotune) {
      const r = await backend.autotune(
        async () => {
          await forwardPass(model, x);
          await inputGradientPass(model, x);
        },
        { onProgress: opts.onAutotuneProgress },
      );
      emit({ op: 'autotune', shape, backend: name, ms: r.ms, gflops: NaN, runs: 1, note: `forward and input-gradient shapes: ${r.problems.length} kernel shapes, ${r.changed} changed from the defaults` });
    }
    const f = await timeIt(runs, () => forwardPass(model, x));
    emit({ op: 'forward', shape, backend: name, ...f, gflops: fwd / f.ms / 1e6 });
    // The backward pass to the input costs about one forward: each layer's input gradient does
    // the forward's arithmetic, and no filter gradients are computed (tape.ts).
    const g = await timeIt(runs, () => inputGradientPass(model, x));
    emit({ op: 'forward+input gradient', shape, backend: name, ...g, gflops: (2 * fwd) / g.ms / 1e6, note: 'FLOPs counted as 2 × forward' });
    // Grad-CAM: one forward pass and the backward pass from the class score down to the layer
    // (VGG19: block5_conv4, as pytorch-grad-cam and torch-peer-time.py take the last convolution).
    const camLayer = model.layerNames.includes('block5_conv4') ? 'block5_conv4' : defaultCamLayer(model);
    const cam = await timeIt(runs, async () => {
      await gradCam(model, x, { layers: [camLayer], target: 0 });
    });
    emit({ op: `grad-cam (${camLayer})`, shape, backend: name, ...cam, gflops: fwd / cam.ms / 1e6, note: 'FLOPs counted as 1 forward pass' });
    if (opts.steps > 0) {
      const m = opts.steps;
      const ig = await timeIt(0, async () => {
        const r = await integratedGradients(model, x, { baseline: black, steps: m, target: 0, batchSize: opts.batch, autotune });
        r.attribution.dispose();
      });
      emit({ op: `integrated gradients m=${m}`, shape, backend: name, ...ig, gflops: (fwd * (2 * m + 2)) / ig.ms / 1e6, runs: 1, note: 'one cold run; FLOPs ≈ (2m + 2) × forward' });
      const layer = camLayer;
      const rsi = await timeIt(0, async () => {
        await rsiGradCam(model, x, { baseline: black, steps: m, target: 0, layers: [layer], batchSize: opts.batch, autotune });
      });
      emit({ op: `rsi-grad-cam m=${m} (${layer})`, shape, backend: name, ...rsi, gflops: (fwd * (m + 2)) / rsi.ms / 1e6, runs: 1, note: 'FLOPs counted as forward passes only' });
      const it = await timeIt(0, async () => {
        await optimizeBaseline(model, { iterations: 1, autotune });
      });
      emit({ op: 'baseline optimisation, 1 iteration', shape, backend: name, ...it, gflops: NaN, runs: 1, note: 'includes the before/after evaluations (2 forward passes)' });
    }
  } finally {
    x.dispose();
    black.dispose();
  }
  return results;
}
