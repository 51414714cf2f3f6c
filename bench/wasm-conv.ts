/**
 * Our WebAssembly convolutions (src/kernels/wasm/wasm-conv.ts) against TensorFlow.js's WASM
 * backend (XNNPACK, loaded from node_modules, 1 thread) in the same run, per VGG19 convolution
 * at 224×224, batch 1: forward (bias + ReLU fused on both sides) and input gradient, GFLOP/s
 * (a multiply-add counts 2) and our ratio. Also the TypeScript CPU backend (float32) on two
 * shapes, and, per shape, which algorithm our rule chose.
 *
 *   npx tsx bench/wasm-conv.ts [--runs N] [--threads N] [--filter SIZE,CIN,COUT] [--fma] [--algorithms] [--error] [--filter-grad]
 *
 * `--threads N` runs our kernels on the thread pool (thread-pool.ts) and asks TF.js for N threads
 * too; the header says how many TF.js really runs (its Node build runs one: multithreading needs
 * its threaded build, which loads only in browsers). With threads, rank by wall clock.
 *
 * The two sides alternate run by run; each side reports the median of N runs (default 5) after
 * a warm-up, timed two ways: process CPU time (user + system) and wall clock. On a machine
 * shared with other work, CPU time is the steadier measure of the kernel itself, and the table
 * ranks by it; a quiet machine gives both the same. `--fma` times the relaxed-SIMD path (start
 * Node 20 with --experimental-wasm-relaxed-simd); `--algorithms` also times each of our
 * algorithms forced (implicit GEMM, Winograd F(2×2), F(4×4)) where they apply; `--error` measures,
 * instead of timing, each algorithm's float32 error against the float64 TypeScript backend on the
 * same inputs: relative L2 error and the worst element's share of the conformance tolerance
 * (2e-3·|oracle| + 1e-4·max|oracle|; 1 is the limit). `--filter-grad` also times our filter
 * gradient (TensorFlow.js's WASM backend has no such kernel to compare with).
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { Conv2DParams } from '../src/kernels/backend.js';
import { CpuBackend } from '../src/kernels/cpu/cpu-backend.js';
import { convGeometry } from '../src/kernels/wasm/conv/geometry.js';
import { probeWasmFeatures } from '../src/kernels/wasm/features.js';
import { SerialKernelRunner, type KernelRunner } from '../src/kernels/wasm/kernel-runner.js';
import { createThreadedRunner } from '../src/kernels/wasm/thread-pool.js';
import {
  conv2dBackpropFilter, conv2dBackpropInput, conv2dForward, convAlgorithm, forceConvAlgorithm, type ConvAlgorithm, type WasmConvContext,
} from '../src/kernels/wasm/wasm-conv.js';
import { VGG19_CONVS } from './cases.js';

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const RUNS = Number(flag('--runs') ?? 5);
const THREADS = Number(flag('--threads') ?? 1);
const FILTER = flag('--filter');
const ALGORITHMS = argv.includes('--algorithms');
const ERROR = argv.includes('--error');
const FILTER_GRAD = argv.includes('--filter-grad');
const features = probeWasmFeatures();
if (!argv.includes('--fma')) features.relaxedSimd = false;
if (argv.includes('--fma') && !features.relaxedSimd) throw new Error('--fma: this engine has no relaxed SIMD (Node 20: --experimental-wasm-relaxed-simd)');

/** Median of CPU and wall milliseconds over RUNS runs of each side, alternating. */
function timeSides(sides: (() => void)[]): { cpu: number; wall: number }[] {
  for (const run of sides) run(); // warm-up: compiles, tiers up
  const samples = sides.map(() => ({ cpu: [] as number[], wall: [] as number[] }));
  for (let r = 0; r < RUNS; r++) {
    sides.forEach((run, i) => {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      run();
      const wall = performance.now() - t0;
      const c = process.cpuUsage(c0);
      samples[i]!.cpu.push((c.user + c.system) / 1000);
      samples[i]!.wall.push(wall);
    });
  }
  const median = (v: number[]): number => v.sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  return samples.map((s) => ({ cpu: median(s.cpu), wall: median(s.wall) }));
}

// TensorFlow.js's WASM backend, its .wasm files from the installed package, one thread.
const require = createRequire(import.meta.url);
setWasmPaths(`${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'))}/dist/`);
setThreadsCount(THREADS);
await tf.setBackend('wasm');
await tf.ready();

// Ours: one memory, tensors at fixed addresses, scratch bumped from above them and reset per call.
const memory = THREADS > 1
  ? new WebAssembly.Memory({ initial: 16384, maximum: 65536, shared: true }) // 1 GiB, shareable with workers
  : new WebAssembly.Memory({ initial: 16384 });
const runner: KernelRunner = THREADS > 1 ? await createThreadedRunner({ threads: THREADS, memory }) : new SerialKernelRunner(memory);
let top = 0;
let scratchBase = 0;
const scratch = {
  alloc(bytes: number): number {
    const at = Math.ceil(top / 16) * 16;
    top = at + bytes;
    if (top > memory.buffer.byteLength) throw new Error(`bench: scratch of ${bytes} bytes does not fit`);
    return at;
  },
  free(): void {},
};
const ctx: WasmConvContext = { runner, scratch, features };
const cpu = new CpuBackend();

const random = (n: number, seed: number): Float32Array => {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
};

const gflops = (flops: number, ms: number): string => (flops / ms / 1e6).toFixed(1);
const rows: string[] = [];
console.log(`${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, Node ${process.version}, ${new Date().toISOString()}, ${features.relaxedSimd ? 'relaxed FMA' : 'mul+add'}, median of ${RUNS}; threads: ours ${runner.threads}, TF.js ${getThreadsCount()}`);
for (const [size, cin, cout] of VGG19_CONVS) {
  if (FILTER !== undefined && FILTER !== `${size},${cin},${cout}`) continue;
  const xShape = [1, size, size, cin];
  const wShape = [3, 3, cin, cout];
  const yShape = [1, size, size, cout];
  const p: Conv2DParams = { strides: [1, 1], dilations: [1, 1], pad: { top: 1, bottom: 1, left: 1, right: 1 }, outHeight: size, outWidth: size };
  const flops = 2 * size * size * cin * cout * 9;
  const [x, w, b, dy] = [random(size * size * cin, 1), random(9 * cin * cout, 2), random(cout, 3), random(size * size * cout, 4)];
  top = 0;
  const place = (v: Float32Array): number => {
    const at = scratch.alloc(v.length * 4);
    new Float32Array(memory.buffer, at, v.length).set(v);
    return at;
  };
  const [xAt, wAt, bAt, dyAt] = [place(x), place(w), place(b), place(dy)];
  const yAt = scratch.alloc(size * size * cout * 4);
  const dxAt = scratch.alloc(size * size * cin * 4);
  scratchBase = top;
  const ours = {
    forward: () => {
      top = scratchBase;
      conv2dForward(ctx, { address: xAt, shape: xShape }, { address: wAt, shape: wShape }, { address: bAt, shape: [cout] }, yAt, p, true);
    },
    inputGrad: () => {
      top = scratchBase;
      conv2dBackpropInput(ctx, { address: dyAt, shape: yShape }, { address: wAt, shape: wShape }, dxAt, xShape, p);
    },
  };
  const tx = tf.tensor4d(x, xShape as [number, number, number, number]);
  const tw = tf.tensor4d(w, wShape as [number, number, number, number]);
  const tb = tf.tensor1d(b);
  const tdy = tf.tensor4d(dy, yShape as [number, number, number, number]);
  const theirs = {
    forward: () => tf.fused.conv2d({ x: tx, filter: tw, bias: tb, activation: 'relu', strides: 1, pad: 'same' }).dispose(),
    inputGrad: () => tf.conv2dTranspose(tdy, tw, xShape as [number, number, number, number], 1, 'same').dispose(),
  };
  const g = convGeometry('conv2d', xShape, wShape, p);
  if (ERROR) {
    const f64 = (v: Float32Array, shape: number[]) => ({ storage: cpu.upload(Float64Array.from(v), 'float64'), shape, dtype: 'float64' as const });
    const oracle = {
      forward: Float64Array.from(cpu.readSync({ storage: cpu.conv2d(f64(x, xShape), f64(w, wShape), f64(b, [cout]), p, true), shape: yShape, dtype: 'float64' })),
      inputGrad: Float64Array.from(cpu.readSync({ storage: cpu.conv2dBackpropInput(f64(dy, yShape), f64(w, wShape), xShape, p), shape: xShape, dtype: 'float64' })),
    };
    for (const pass of ['forward', 'inputGrad'] as const) {
      const ref = oracle[pass];
      const scale = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      for (const a of ['igemm', 'winograd2', 'winograd4'] as ConvAlgorithm[]) {
        forceConvAlgorithm(a);
        ours[pass]();
        forceConvAlgorithm(null);
        const got = new Float32Array(memory.buffer, pass === 'forward' ? yAt : dxAt, ref.length);
        let num = 0;
        let den = 0;
        let worst = 0;
        ref.forEach((r, i) => {
          num += (got[i]! - r) ** 2;
          den += r * r;
          worst = Math.max(worst, Math.abs(got[i]! - r) / (2e-3 * Math.abs(r) + 1e-4 * scale));
        });
        console.log(`| ${size}×${size}, ${cin}→${cout} | ${pass} | ${a} | ${Math.sqrt(num / den).toExponential(1)} | ${worst.toExponential(1)} |`);
      }
    }
    for (const t of [tx, tw, tb, tdy]) t.dispose();
    continue;
  }
  const cells: string[] = [];
  for (const pass of ['forward', 'inputGrad'] as const) {
    const [o, t] = timeSides([ours[pass], theirs[pass]]);
    cells.push(gflops(flops, o!.cpu), gflops(flops, t!.cpu), (t!.cpu / o!.cpu).toFixed(2), `${gflops(flops, o!.wall)}/${gflops(flops, t!.wall)}`);
    if (ALGORITHMS) {
      for (const a of ['igemm', 'winograd2', 'winograd4'] as ConvAlgorithm[]) {
        forceConvAlgorithm(a);
        const [f] = timeSides([ours[pass]]);
        forceConvAlgorithm(null);
        console.log(`  ${size},${cin},${cout} ${pass} forced ${a}: ${gflops(flops, f!.cpu)} GFLOP/s (CPU time)`);
      }
    }
  }
  if (FILTER_GRAD) {
    const dwAt = scratch.alloc(9 * cin * cout * 4);
    const base = top;
    const [fg] = timeSides([() => {
      top = base;
      conv2dBackpropFilter(ctx, { address: xAt, shape: xShape }, { address: dyAt, shape: yShape }, dwAt, wShape, p);
    }]);
    console.log(`  ${size},${cin},${cout} filter gradient (implicit GEMM): ${gflops(flops, fg!.cpu)} GFLOP/s (CPU time)`);
    scratchBase = top;
  }
  const rule = `${convAlgorithm(g, 'forward', features)} / ${convAlgorithm(g, 'inputGrad', features)}`;
  const row = `| ${size}×${size}, ${cin}→${cout} | ${rule} | ${cells.join(' | ')} |`;
  rows.push(row);
  console.log(row);
  for (const t of [tx, tw, tb, tdy]) t.dispose();
}

if (ERROR) process.exit(0);
console.log('\n| shape | ours: forward / input grad | fwd ours | fwd TF.js | fwd ratio | fwd wall ours/TF.js | dx ours | dx TF.js | dx ratio | dx wall ours/TF.js |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);

// The TypeScript CPU backend (float32) on two shapes, for scale.
for (const [size, cin, cout] of [[56, 128, 256], [14, 512, 512]] as const) {
  if (FILTER !== undefined && FILTER !== `${size},${cin},${cout}`) continue;
  const info = (v: Float32Array, shape: number[]) => ({ storage: cpu.upload(v, 'float32'), shape, dtype: 'float32' as const });
  const p: Conv2DParams = { strides: [1, 1], dilations: [1, 1], pad: { top: 1, bottom: 1, left: 1, right: 1 }, outHeight: size, outWidth: size };
  const x = info(random(size * size * cin, 1), [1, size, size, cin]);
  const w = info(random(9 * cin * cout, 2), [3, 3, cin, cout]);
  const dy = info(random(size * size * cout, 4), [1, size, size, cout]);
  const flops = 2 * size * size * cin * cout * 9;
  const [f, d] = timeSides([
    () => cpu.free(cpu.conv2d(x, w, null, p, true), 'float32', size * size * cout),
    () => cpu.free(cpu.conv2dBackpropInput(dy, w, [1, size, size, cin], p), 'float32', size * size * cin),
  ]);
  console.log(`TypeScript CPU backend ${size}×${size}, ${cin}→${cout}: forward ${gflops(flops, f!.cpu)}, input grad ${gflops(flops, d!.cpu)} GFLOP/s (CPU time)`);
}
