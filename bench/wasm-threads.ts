/**
 * The WebAssembly thread pool (src/kernels/wasm/thread-pool.ts): the generated matmul kernel split
 * by rows of C over 1 and 2 threads (or those listed in --threads=1,2,3), GFLOP/s, best and median
 * of 11 timed runs after a warm-up, the thread counts alternating run by run so that each meets
 * the same load. Also GFLOP per CPU-second (all threads' CPU time: what the split costs in work,
 * whatever the load) and CPU time per wall second (how many cores the process really got: on a
 * machine shared with other sessions, the kernel's autogroup scheduling gives a session its share
 * however many threads it runs). Then the pool's overhead per parallelFor call on empty work (a
 * kernel that returns at once, over 2 items at grain 1 so that a worker is offered each call),
 * mean of 20,000 calls. Each threaded result is checked equal to the 1-thread one. Relaxed-SIMD
 * FMA where the engine has it (Node 20: --experimental-wasm-relaxed-simd), else mul+add.
 * Run: node --import tsx bench/wasm-threads.ts
 */
import { wasmFeatures } from '../src/kernels/wasm/features.js';
import type { KernelRunner } from '../src/kernels/wasm/kernel-runner.js';
import { matmulKernelModule } from '../src/kernels/wasm/kernels/matmul.js';
import { ModuleBuilder } from '../src/kernels/wasm/module-builder.js';
import { createThreadedRunner, threadSupport } from '../src/kernels/wasm/thread-pool.js';

const arg = process.argv.find((a) => a.startsWith('--threads='));
const THREADS = arg ? arg.slice('--threads='.length).split(',').map(Number) : [1, 2];
/** M×K×N: a square GEMM, and VGG19 block1_conv2 as a GEMM (224·224 pixels × 3·3·64 taps × 64 filters). */
const SHAPES: [string, number, number, number][] = [['512×512×512', 512, 512, 512], ['224·224×576×64 (conv 224×224×64)', 224 * 224, 576, 64]];
const ROWS = 2; // the matmul's register block: chunks in whole blocks

const REPS = 11;

/** Times `runs` (one per runner) alternately, REPS rounds after a warm-up round, so that every runner meets the same load. */
function timeAlternately(runs: (() => void)[]): { best: number; median: number; cpuPerWall: number; cpuMs: number }[] {
  for (const run of runs) run();
  const wall = runs.map(() => [] as number[]);
  const cpu = runs.map(() => 0);
  for (let rep = 0; rep < REPS; rep++) {
    runs.forEach((run, i) => {
      const c = process.cpuUsage();
      const t = performance.now();
      run();
      wall[i]!.push(performance.now() - t);
      const d = process.cpuUsage(c);
      cpu[i]! += (d.user + d.system) / 1000;
    });
  }
  return wall.map((ms, i) => {
    const sorted = [...ms].sort((x, y) => x - y);
    return { best: sorted[0]!, median: sorted[REPS >> 1]!, cpuPerWall: cpu[i]! / ms.reduce((x, y) => x + y, 0), cpuMs: cpu[i]! / REPS };
  });
}

function noopModule(): WebAssembly.Module {
  const m = new ModuleBuilder();
  m.importMemory({ module: 'env', name: 'memory', initial: 1, maximum: 65536, shared: true });
  m.addFunction(['i32', 'i32'], [], () => {}, 'noop');
  return new WebAssembly.Module(m.build());
}

const fma = wasmFeatures().relaxedSimd;
const support = threadSupport();
console.log(`matmul ${fma ? 'relaxed FMA' : 'mul+add'}; cores ${support.cores}; threads ${THREADS.join(', ')}`);
const bytes = Math.max(...SHAPES.map(([, M, K, N]) => 4 * (M * K + K * N + M * N)));
const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) + 1, maximum: 65536, shared: true });
const runners: KernelRunner[] = [];
for (const t of THREADS) runners.push(await createThreadedRunner({ threads: t, memory }));

for (const [label, M, K, N] of SHAPES) {
  const flops = 2 * M * K * N;
  const a = 0;
  const b = 4 * M * K;
  const c = b + 4 * K * N;
  const f32 = new Float32Array(memory.buffer);
  for (let i = 0; i < M * K; i++) f32[i] = Math.sin(i);
  for (let i = 0; i < K * N; i++) f32[b / 4 + i] = Math.cos(i);
  const handles = runners.map((r) => r.load('matmul', matmulKernelModule({ fma }, true)));
  const outputs: Float32Array[] = [];
  const times = timeAlternately(runners.map((r, i) => () => r.parallelFor(handles[i]!, 'matmul', [a, b, c, K, N], M, ROWS)));
  for (const [i, r] of runners.entries()) {
    r.parallelFor(handles[i]!, 'matmul', [a, b, c, K, N], M, ROWS);
    outputs.push(new Float32Array(memory.buffer, c, M * N).slice());
    if (outputs[i]!.some((x, j) => !Object.is(x, outputs[0]![j]))) throw new Error(`${label}: ${r.threads} threads differ from ${runners[0]!.threads}`);
  }
  const cells = runners.map((r, i) => {
    const t = times[i]!;
    return `${r.threads} thr: best ${(flops / t.best / 1e6).toFixed(1)}, median ${(flops / t.median / 1e6).toFixed(1)} GFLOP/s, ${(flops / t.cpuMs / 1e6).toFixed(1)} GFLOP per CPU-s, CPU/wall ${t.cpuPerWall.toFixed(2)}`;
  });
  console.log(`${label.padEnd(34)} ${cells.join(' | ')}`);
}

const CALLS = 20_000;
const overhead: string[] = [];
for (const r of runners) {
  const k = r.load('noop', noopModule());
  for (let i = 0; i < 1000; i++) r.parallelFor(k, 'noop', [], 2);
  const t = performance.now();
  for (let i = 0; i < CALLS; i++) r.parallelFor(k, 'noop', [], 2);
  overhead.push(`${r.threads} thr ${(((performance.now() - t) / CALLS) * 1000).toFixed(2)} µs`);
}
console.log(`parallelFor on empty work, per call: ${overhead.join('   ')}`);
for (const r of runners) r.dispose();
