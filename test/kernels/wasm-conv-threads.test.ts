/**
 * The WebAssembly convolutions on the thread pool (src/kernels/wasm/thread-pool.ts), 2 threads
 * over one shared memory: every kernel's items split between threads, each pass gives the same
 * bits as on the serial runner (items are independent and each is computed the same way), and
 * stays within the float64 oracle's bound. Skips, saying why, where threads are unavailable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KernelRunner } from '../../src/kernels/wasm/kernel-runner.js';
import { createThreadedRunner, threadSupport } from '../../src/kernels/wasm/thread-pool.js';
import { expectWithinBound, makeCase, runPass, type Pass } from './wasm-conv-helpers.js';

const MULADD = { simd: true, relaxedSimd: false };
let env: { memory: WebAssembly.Memory; runner: KernelRunner } | null = null;

beforeAll(async () => {
  if (!threadSupport().available) return;
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 4096, shared: true });
  env = { memory, runner: await createThreadedRunner({ threads: 2, memory }) };
});
afterAll(() => env?.runner.dispose());

describe('WebAssembly convolutions on 2 threads', () => {
  const cases = {
    // Winograd F(4×4) forward and input gradient; implicit-GEMM filter gradient.
    winograd: makeCase({ batch: 2, inH: 12, inW: 9, inC: 16, outC: 32, kh: 3, kw: 3, strides: [1, 1], dilations: [1, 1], pad: [1, 1, 1, 1], bias: true, relu: true }),
    // The implicit GEMM with strides, dilation, ragged channels.
    igemm: makeCase({ batch: 2, inH: 11, inW: 10, inC: 7, outC: 37, kh: 3, kw: 2, strides: [2, 1], dilations: [1, 2], pad: [1, 0, 2, 1], bias: true, relu: false }),
  };
  for (const [name, c] of Object.entries(cases)) {
    for (const pass of ['forward', 'inputGrad', 'filterGrad'] as Pass[]) {
      it(`${name} ${pass}: the serial runner's bits`, (ctx) => {
        if (env === null) ctx.skip(`threads unavailable: ${threadSupport().reason ?? 'no reason given'}`);
        const threaded = runPass(c, pass, MULADD, 1, 5, env!);
        const serial = runPass(c, pass, MULADD, 1, 5);
        expect(Array.from(threaded.got)).toEqual(Array.from(serial.got));
        expectWithinBound(threaded, name === 'winograd' && pass !== 'filterGrad' ? 64 : 1, `${name} ${pass} on 2 threads`);
      });
    }
  }
});
