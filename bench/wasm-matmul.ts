/**
 * The generated WebAssembly matmul (src/kernels/wasm) against the TypeScript CPU backend's float32
 * matmul on the same shapes, one thread, in one run: GFLOP/s, best of 7 timed runs after a warm-up.
 * Both multiply-add paths where the engine has relaxed SIMD (Node 20: pass
 * --experimental-wasm-relaxed-simd; without it only mul+add is timed).
 * Run: node --experimental-wasm-relaxed-simd --import tsx bench/wasm-matmul.ts
 */
import { CpuBackend } from '../src/kernels/cpu/cpu-backend.js';
import { wasmFeatures } from '../src/kernels/wasm/features.js';
import { instantiateMatmul } from '../src/kernels/wasm/kernels/matmul.js';

const SHAPES: [number, number, number][] = [[240, 240, 240], [512, 512, 512], [196, 576, 128]];

function best(run: () => void): number {
  run();
  let ms = Infinity;
  for (let i = 0; i < 7; i++) {
    const t = performance.now();
    run();
    ms = Math.min(ms, performance.now() - t);
  }
  return ms;
}

const cpu = new CpuBackend();
const paths = wasmFeatures().relaxedSimd ? [false, true] : [false];
console.log(`shape M×K×N   ${paths.map((f) => (f ? 'wasm FMA' : 'wasm mul+add')).join('   ')}   TypeScript CPU   (GFLOP/s)`);
for (const [M, K, N] of SHAPES) {
  const flops = 2 * M * K * N;
  const a = Float32Array.from({ length: M * K }, (_, i) => Math.sin(i));
  const b = Float32Array.from({ length: K * N }, (_, i) => Math.cos(i));
  const memory = new WebAssembly.Memory({ initial: Math.ceil((4 * (M * K + K * N + M * N)) / 65536) });
  const f32 = new Float32Array(memory.buffer);
  f32.set(a, 0);
  f32.set(b, M * K);
  const wasm = paths.map((fma) => {
    const mm = instantiateMatmul(memory, { fma });
    return flops / best(() => mm(0, 4 * M * K, 4 * (M * K + K * N), K, N, 0, M)) / 1e6;
  });
  const ta = { storage: a, shape: [1, M, K], dtype: 'float32' as const };
  const tb = { storage: b, shape: [1, K, N], dtype: 'float32' as const };
  const ts = flops / best(() => cpu.free(cpu.matmul(ta, tb, false, false), 'float32', M * N)) / 1e6;
  console.log(`${`${M}×${K}×${N}`.padEnd(13)} ${wasm.map((g) => g.toFixed(1).padStart(10)).join('   ')}   ${ts.toFixed(1).padStart(14)}`);
}
