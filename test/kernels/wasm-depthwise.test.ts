/**
 * The WebAssembly backend's depthwise convolution (kernels/depthwise.ts): forward with bias and
 * fused ReLU, input and filter gradients against the float64 CPU oracle, on MobileNet-like
 * geometries that reach the SIMD kernel (multiplier 1, channels a multiple of 4: strides, TF's
 * asymmetric 'same', dilation, a kernel wider than the input) with every call cut into chunks as
 * threads would, and on shapes that take the TypeScript fallback; and on a real thread pool,
 * bit for bit the serial result.
 */
import { describe, expect, it } from 'vitest';
import type { Conv2DParams, TensorInfo } from '../../src/kernels/backend.js';
import { depthwiseConv2dParams } from '../../src/autograd/primitives/depthwise-conv2d.js';
import { cpuBackend } from '../../src/kernels/cpu/cpu-backend.js';
import { createSerialWasmBackend, createWasmBackend } from '../../src/kernels/wasm/create-wasm-backend.js';
import { wasmFeatures } from '../../src/kernels/wasm/features.js';
import { WasmBackend } from '../../src/kernels/wasm/wasm-backend.js';
import { createWasmMemory } from '../../src/kernels/wasm/wasm-memory.js';
import { Random } from '../../src/tensor/random.js';
import { sizeOf, type Shape } from '../../src/tensor/shape.js';
import { ChunkedRunner } from './wasm-conv-helpers.js';

const oracle = cpuBackend();

function normals(n: number, seed: number): Float32Array {
  const r = new Random(seed);
  return Float32Array.from({ length: n }, () => r.normal(0, 1));
}

interface Case {
  x: Shape;
  k: [number, number, number];
  strides: [number, number];
  dilations: [number, number];
  padding: 'same' | 'valid';
}

const SIMD_CASES: Case[] = [
  { x: [2, 9, 8, 12], k: [3, 3, 1], strides: [1, 1], dilations: [1, 1], padding: 'same' },
  { x: [1, 9, 8, 8], k: [3, 3, 1], strides: [2, 2], dilations: [1, 1], padding: 'same' },
  { x: [1, 8, 7, 4], k: [3, 2, 1], strides: [2, 1], dilations: [1, 1], padding: 'valid' },
  { x: [2, 7, 7, 8], k: [3, 3, 1], strides: [1, 1], dilations: [2, 2], padding: 'same' },
  { x: [1, 10, 9, 16], k: [5, 5, 1], strides: [2, 2], dilations: [1, 1], padding: 'same' },
  { x: [1, 4, 3, 4], k: [5, 5, 1], strides: [1, 1], dilations: [1, 1], padding: 'same' },
  { x: [1, 5, 5, 4], k: [1, 1, 1], strides: [2, 2], dilations: [1, 1], padding: 'valid' },
];

/** The three passes on `be` in float32 or on the oracle in float64, read back as float64. */
function run(be: WasmBackend | typeof oracle, c: Case, p: Conv2DParams, withBias: boolean, relu: boolean, seed: number): Float64Array[] {
  const dtype = be === oracle ? 'float64' : 'float32';
  const put = (v: Float32Array, shape: Shape): TensorInfo => ({
    storage: be.upload(dtype === 'float64' ? Float64Array.from(v) : v, dtype), shape, dtype,
  });
  const [kh, kw, m] = c.k;
  const ch = c.x[3]! * m;
  const fShape = [kh, kw, c.x[3]!, m];
  const yShape = [c.x[0]!, p.outHeight, p.outWidth, ch];
  const x = put(normals(sizeOf(c.x), seed), c.x);
  const f = put(normals(sizeOf(fShape), seed + 1), fShape);
  const b = withBias ? put(normals(ch, seed + 2), [ch]) : null;
  const dy = put(normals(sizeOf(yShape), seed + 3), yShape);
  const read = (s: unknown, shape: Shape): Float64Array => Float64Array.from(be.readSync!({ storage: s, shape, dtype }));
  return [
    read(be.depthwiseConv2d(x, f, b, p, relu), yShape),
    read(be.depthwiseConv2dBackpropInput(dy, f, c.x, p), c.x),
    read(be.depthwiseConv2dBackpropFilter(x, dy, fShape, p), fShape),
  ];
}

/** Every element within float32 rounding of sums this short: 1e-5 of the largest magnitude, plus 1e-5 relative. */
function expectClose(got: Float64Array, want: Float64Array, what: string): void {
  expect(got.length, what).toBe(want.length);
  const scale = want.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
  expect(scale, `${what}: a case whose values are all 0 checks nothing`).toBeGreaterThan(0);
  want.forEach((v, i) => expect(Math.abs(got[i]! - v), `${what} #${i}`).toBeLessThanOrEqual(1e-5 * scale + 1e-5 * Math.abs(v)));
}

function chunkedBackend(): { be: WasmBackend; runner: ChunkedRunner } {
  const runner = new ChunkedRunner(createWasmMemory(1), 3);
  return { be: new WasmBackend({ runner, features: wasmFeatures() }), runner };
}

describe('wasm depthwise convolution', () => {
  it('the SIMD kernel, cut into 3 chunks per call, matches the float64 oracle in all three passes', () => {
    const { be, runner } = chunkedBackend();
    for (const [i, c] of SIMD_CASES.entries()) {
      const p = depthwiseConv2dParams(c.x, [c.k[0], c.k[1], c.x[3]!, c.k[2]], c);
      const [withBias, relu] = [i % 2 === 0, i % 3 !== 1];
      const want = run(oracle, c, p, withBias, relu, 10 * i);
      const got = run(be, c, p, withBias, relu, 10 * i);
      const what = `case ${i} ${JSON.stringify(c)} bias ${withBias} relu ${relu}`;
      ['forward', 'input gradient', 'filter gradient'].forEach((pass, k) => expectClose(got[k]!, want[k]!, `${what} ${pass}`));
    }
    const names = new Set(runner.calls.map((call) => call.name));
    expect([...names].sort()).toEqual(['depthwise.filterGrad', 'depthwise.forward', 'depthwise.inputGrad']);
  });

  it('a multiplier above 1, or channels not a multiple of 4, take the TypeScript loops and match too', () => {
    const { be, runner } = chunkedBackend();
    const cases: Case[] = [
      { x: [1, 6, 5, 3], k: [3, 3, 1], strides: [2, 2], dilations: [1, 1], padding: 'same' },
      { x: [1, 6, 5, 4], k: [3, 3, 2], strides: [1, 1], dilations: [1, 1], padding: 'same' },
    ];
    for (const [i, c] of cases.entries()) {
      const p = depthwiseConv2dParams(c.x, [c.k[0], c.k[1], c.x[3]!, c.k[2]], c);
      const want = run(oracle, c, p, true, true, 100 + i);
      const got = run(be, c, p, true, true, 100 + i);
      want.forEach((w, k) => expectClose(got[k]!, w, `fallback case ${i} pass ${k}`));
    }
    expect(runner.calls.filter((call) => call.name.startsWith('depthwise.'))).toEqual([]);
  });

  it('on a pool of three threads, equals one thread bit for bit, with the workers taking part', async () => {
    const c: Case = { x: [4, 28, 28, 32], k: [3, 3, 1], strides: [1, 1], dilations: [1, 1], padding: 'same' };
    const p = depthwiseConv2dParams(c.x, [3, 3, 32, 1], c);
    const serial = run(createSerialWasmBackend(), c, p, true, true, 7);
    const pooled = await createWasmBackend({ threads: 3 });
    const workerChunks = (): number => (pooled as unknown as { runner: { workerChunks: number } }).runner.workerChunks;
    // The caller takes chunks too and may finish before a worker wakes: repeat (bounded) until they have.
    for (let attempt = 0; attempt < 50 && (attempt === 0 || workerChunks() === 0); attempt++) {
      run(pooled, c, p, true, true, 7).forEach((v, k) => expect(Array.from(v), `pass ${k}`).toEqual(Array.from(serial[k]!)));
    }
    expect(workerChunks(), 'chunks the workers ran').toBeGreaterThan(0);
    pooled.dispose();
  });
});
