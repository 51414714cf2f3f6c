/**
 * The WebAssembly backend's generated elementwise kernels (SIMD128: unary maps, same-shape,
 * scalar and row broadcasts, leading-axis sums) and its matmul, against the float64 CPU oracle,
 * on shapes that reach each kernel (multiples of 4 channels, ragged sizes whose last vector is
 * partly padding) and the edge values (NaN, ±0, ±∞); and the whole conformance table again with
 * every split kernel cut into several chunks, as a thread pool would. Registered by
 * wasm-relaxed-simd.test.ts, which runs the FMA suite (`fmaSuites`) after every mul+add suite.
 */
import v8 from 'node:v8';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BinaryOp, Pool2DParams, TensorInfo, UnaryOp } from '../../src/kernels/backend.js';
import { cpuBackend } from '../../src/kernels/cpu/cpu-backend.js';
import { probeWasmFeatures, wasmFeatures } from '../../src/kernels/wasm/features.js';
import { kernelExport, SerialKernelRunner, splitRange, type KernelHandle, type KernelRunner } from '../../src/kernels/wasm/kernel-runner.js';
import { SIMD_BINARY, SIMD_UNARY } from '../../src/kernels/wasm/kernels/elementwise.js';
import { createSerialWasmBackend } from '../../src/kernels/wasm/create-wasm-backend.js';
import { WasmBackend } from '../../src/kernels/wasm/wasm-backend.js';
import { createWasmMemory } from '../../src/kernels/wasm/wasm-memory.js';
import { sizeOf, type Shape } from '../../src/tensor/shape.js';
import { conformanceTests } from '../helpers/conformance.js';

/** A serial runner that cuts every call into `parts` chunks (and counts calls), as a pool would. */
class ChunkingRunner implements KernelRunner {
  readonly threads = 1;
  readonly calls = new Map<string, number>();
  private readonly inner: SerialKernelRunner;
  constructor(readonly memory: WebAssembly.Memory, private readonly parts: number) {
    this.inner = new SerialKernelRunner(memory);
  }
  load(key: string, module: WebAssembly.Module): KernelHandle {
    return this.inner.load(key, module);
  }
  parallelFor(kernel: KernelHandle, name: string, args: readonly number[], total: number): void {
    this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
    // Chunks in reverse order: a kernel that relied on running its chunks in order would fail.
    for (const [s, e] of splitRange(total, this.parts).reverse()) kernelExport(kernel, name)(...args, s, e);
  }
  dispose(): void {}
}

const chunked = (features = wasmFeatures()): { be: WasmBackend; runner: ChunkingRunner } => {
  const runner = new ChunkingRunner(createWasmMemory(1), 3);
  return { be: new WasmBackend({ runner, features }), runner };
};

const EDGE = [Number.NaN, 0, -0, Infinity, -Infinity, 1, -1, 2.5, -3.25, 1e-30];

function values(n: number, seed: number): Float32Array {
  let x = seed;
  return Float32Array.from({ length: n }, (_, i) => {
    if (i % 7 === 3) return EDGE[(i + seed) % EDGE.length]!;
    x = (x * 1103515245 + 12345) % 2147483648;
    return (x / 2147483648) * 8 - 4;
  });
}

const oracle = cpuBackend();
const cpuIn = (v: Float32Array, shape: Shape): TensorInfo => ({ storage: oracle.upload(Float64Array.from(v), 'float64'), shape, dtype: 'float64' });

/**
 * |got[i] − want[i]| ≤ bound(i) everywhere, naming the first element that misses: one `expect`
 * per array, not per element (tens of thousands of matchers cost more than the kernels here).
 */
function expectWithin(got: ArrayLike<number>, want: ArrayLike<number>, bound: (i: number) => number, what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i]! - want[i]!);
    if (!(err <= bound(i))) expect.fail(`${what} #${i}: got ${got[i]}, want ${want[i]} (error ${err} > ${bound(i)})`);
  }
}

/** Bit-for-bit (NaN equal to NaN, −0 distinct from +0): these ops round once, like the oracle's float32 rounding. */
function expectSame(got: Float32Array, want: ArrayLike<number>, what: string): void {
  const w = Float32Array.from(want);
  for (let i = 0; i < w.length; i++) {
    if (!Object.is(got[i], w[i])) expect.fail(`${what} #${i}: got ${got[i]}, want ${w[i]}`);
  }
  expect(got.length).toBe(w.length);
}

describe('SIMD elementwise kernels', () => {
  it('every SIMD unary op, on ragged sizes and edge values, is the oracle rounded to float32', () => {
    const { be, runner } = chunked();
    for (const op of SIMD_UNARY) {
      for (const n of [1, 4, 13, 64]) {
        const v = values(n, n);
        const x: TensorInfo = { storage: be.upload(v, 'float32'), shape: [n], dtype: 'float32' };
        const got = be.readSync({ storage: be.unary(op as UnaryOp, x), shape: [n], dtype: 'float32' }) as Float32Array;
        expectSame(got, oracle.readSync({ storage: oracle.unary(op as UnaryOp, cpuIn(v, [n])), shape: [n], dtype: 'float64' }), `${op} n=${n}`);
      }
    }
    expect(runner.calls.get('map')).toBe(SIMD_UNARY.size * 4);
  });

  const layouts: [string, Shape, Shape, Shape][] = [
    ['same', [2, 3, 5], [2, 3, 5], [2, 3, 5]],
    ['scalarB', [3, 7], [1], [3, 7]],
    ['scalarA', [], [5, 3], [5, 3]],
    ['rowB', [2, 3, 8], [8], [2, 3, 8]],
    ['rowB', [2, 5, 3, 4], [1, 3, 4], [2, 5, 3, 4]],
    ['rowA', [1, 1, 12], [4, 2, 12], [4, 2, 12]],
    ['colB', [4, 3, 8], [4, 1, 1], [4, 3, 8]],
    ['colA', [2, 1, 1, 1], [2, 3, 2, 4], [2, 3, 2, 4]],
    // IG's interpolation: one α per example times one image.
    ['colRow', [3, 1, 1, 1], [1, 2, 2, 4], [3, 2, 2, 4]],
    ['rowCol', [5, 4], [6, 1, 1], [6, 5, 4]],
  ];

  it('every SIMD binary op, in each broadcast layout, is the oracle rounded to float32', () => {
    const { be, runner } = chunked();
    for (const op of SIMD_BINARY) {
      for (const [kernel, aShape, bShape, outShape] of layouts) {
        const [va, vb] = [values(sizeOf(aShape), 5), values(sizeOf(bShape), 11)];
        const a: TensorInfo = { storage: be.upload(va, 'float32'), shape: aShape, dtype: 'float32' };
        const b: TensorInfo = { storage: be.upload(vb, 'float32'), shape: bShape, dtype: 'float32' };
        const before = runner.calls.get(kernel) ?? 0;
        const got = be.readSync({ storage: be.binary(op as BinaryOp, a, b, outShape), shape: outShape, dtype: 'float32' }) as Float32Array;
        expect(runner.calls.get(kernel), `${op} ${kernel} ran its kernel`).toBe(before + 1);
        const want = oracle.readSync({ storage: oracle.binary(op as BinaryOp, cpuIn(va, aShape), cpuIn(vb, bShape), outShape), shape: outShape, dtype: 'float64' });
        expectSame(got, want, `${op} ${kernel} [${aShape}] [${bShape}]`);
      }
    }
  });

  it('a row broadcast of a channel count that is not a multiple of 4 falls back to TypeScript, correctly', () => {
    const { be, runner } = chunked();
    const [va, vb] = [values(2 * 3 * 6, 1), values(6, 2)];
    const a: TensorInfo = { storage: be.upload(va, 'float32'), shape: [2, 3, 6], dtype: 'float32' };
    const b: TensorInfo = { storage: be.upload(vb, 'float32'), shape: [6], dtype: 'float32' };
    const got = be.readSync({ storage: be.binary('add', a, b, [2, 3, 6]), shape: [2, 3, 6], dtype: 'float32' }) as Float32Array;
    expect(runner.calls.size).toBe(0);
    expectSame(got, oracle.readSync({ storage: oracle.binary('add', cpuIn(va, [2, 3, 6]), cpuIn(vb, [6]), [2, 3, 6]), shape: [2, 3, 6], dtype: 'float64' }), 'add C=6');
  });

  it('sums over leading axes (a bias gradient) within blocked float32 summation error of the oracle', () => {
    const { be, runner } = chunked();
    const shape = [3, 50, 5, 8]; // 3, 150 and 750 rows: one partial block, then whole blocks of 64 and a ragged one
    const v = Float32Array.from({ length: sizeOf(shape) }, (_, i) => Math.sin(i) * 3 + 1);
    const x: TensorInfo = { storage: be.upload(v, 'float32'), shape, dtype: 'float32' };
    for (const axes of [[0], [0, 1], [0, 1, 2]]) {
      const outShape = shape.filter((_, i) => !axes.includes(i));
      const got = be.readSync({ storage: be.reduce('sum', x, axes), shape: outShape, dtype: 'float32' });
      const want = oracle.readSync({ storage: oracle.reduce('sum', cpuIn(v, shape), axes), shape: outShape, dtype: 'float64' });
      const abs = oracle.unary('abs', cpuIn(v, shape));
      const sumAbs = oracle.readSync({ storage: oracle.reduce('sum', { storage: abs, shape, dtype: 'float64' }, axes), shape: outShape, dtype: 'float64' });
      const rows = sizeOf(shape) / sizeOf(outShape);
      // Blocks of 64 summed apart: |error| ≤ (64 + ⌈rows/64⌉)·u·Σ|x| (sequential would be rows·u·Σ|x|).
      expectWithin(got, want, (i) => (64 + Math.ceil(rows / 64)) * 2 ** -24 * sumAbs[i]!, `${axes}`);
    }
    expect(runner.calls.get('sumRows')).toBe(3);
  });
});

describe('max pooling kernels', () => {
  const geometry = (shape: Shape, window: [number, number], strides: [number, number], pad = { top: 0, bottom: 0, left: 0, right: 0 }): Pool2DParams => ({
    window,
    strides,
    pad,
    outHeight: Math.floor((shape[1]! + pad.top + pad.bottom - window[0]) / strides[0]) + 1,
    outWidth: Math.floor((shape[2]! + pad.left + pad.right - window[1]) / strides[1]) + 1,
  });
  const cases: [string, Shape, Pool2DParams, boolean][] = [
    // [what, x shape, params, whether the backward pass runs the SIMD kernel]
    ['2×2 stride 2, a row and column no window covers', [2, 5, 7, 8], geometry([2, 5, 7, 8], [2, 2], [2, 2]), true],
    ['2×2 stride 2, padded at the bottom and right', [1, 5, 5, 4], geometry([1, 5, 5, 4], [2, 2], [2, 2], { top: 0, bottom: 1, left: 0, right: 1 }), true],
    ['2×3 stride 3×4, gaps between windows', [1, 8, 9, 4], geometry([1, 8, 9, 4], [2, 3], [3, 4]), true],
    ['3×3 stride 2 padded 1 (overlapping windows)', [2, 6, 6, 12], geometry([2, 6, 6, 12], [3, 3], [2, 2], { top: 1, bottom: 1, left: 1, right: 1 }), false],
  ];

  it('forward and backward equal the oracle bit for bit, with ties, NaN and −∞ in the windows', () => {
    for (const [what, shape, p, simdBackward] of cases) {
      const { be, runner } = chunked();
      // Small integers make ties common: the first maximum in row-major window order must win.
      const v = Float32Array.from({ length: sizeOf(shape) }, (_, i) => (i % 11 === 5 ? Number.NaN : i % 13 === 7 ? -Infinity : ((i * 7919) % 5) - 2));
      const outShape = [shape[0]!, p.outHeight, p.outWidth, shape[3]!];
      const u = Float32Array.from({ length: sizeOf(outShape) }, (_, i) => Math.sin(i + 1));
      const x: TensorInfo = { storage: be.upload(v, 'float32'), shape, dtype: 'float32' };
      const dy: TensorInfo = { storage: be.upload(u, 'float32'), shape: outShape, dtype: 'float32' };
      // Reused memory holds junk: the kernels must write every element of their outputs.
      be.free(be.fill(sizeOf(shape) * 2, 9, 'float32'), 'float32', 0);
      const y = be.readSync({ storage: be.maxPool2d(x, p), shape: outShape, dtype: 'float32' }) as Float32Array;
      const dx = be.readSync({ storage: be.maxPool2dBackward(x, dy, p), shape, dtype: 'float32' }) as Float32Array;
      expectSame(y, oracle.readSync({ storage: oracle.maxPool2d(cpuIn(v, shape), p), shape: outShape, dtype: 'float64' }), `${what} forward`);
      expectSame(dx, oracle.readSync({ storage: oracle.maxPool2dBackward(cpuIn(v, shape), cpuIn(u, outShape), p), shape, dtype: 'float64' }), `${what} backward`);
      expect(runner.calls.get('forward'), what).toBe(1);
      expect(runner.calls.get('backward') ?? 0, what).toBe(simdBackward ? 1 : 0);
    }
  });

  it('a channel count that is not a multiple of 4 runs the TypeScript loops, correctly', () => {
    const { be, runner } = chunked();
    const shape = [1, 4, 4, 3];
    const p = geometry(shape, [2, 2], [2, 2]);
    const v = Float32Array.from({ length: 48 }, (_, i) => Math.cos(i * 1.7));
    const x: TensorInfo = { storage: be.upload(v, 'float32'), shape, dtype: 'float32' };
    const y = be.readSync({ storage: be.maxPool2d(x, p), shape: [1, 2, 2, 3], dtype: 'float32' }) as Float32Array;
    expectSame(y, oracle.readSync({ storage: oracle.maxPool2d(cpuIn(v, shape), p), shape: [1, 2, 2, 3], dtype: 'float64' }), 'C = 3');
    expect(runner.calls.size).toBe(0);
  });
});

describe('empty convolutions', () => {
  it('no input channels: the bias through ReLU, or zeros; empty gradients are zeros, as the oracle has them', () => {
    const be = createSerialWasmBackend();
    const p = { strides: [1, 1] as [number, number], dilations: [1, 1] as [number, number], pad: { top: 0, bottom: 0, left: 0, right: 0 }, outHeight: 3, outWidth: 2 };
    const t = (b: typeof be | typeof oracle, v: Float32Array, shape: Shape): TensorInfo =>
      b === oracle ? cpuIn(v, shape) : { storage: be.upload(v, 'float32'), shape, dtype: 'float32' };
    const run = (b: typeof be | typeof oracle, relu: boolean, withBias: boolean): number[] => {
      // Reused memory holds junk: every output element must be written.
      if (b === be) be.free(be.fill(64, 5, 'float32'), 'float32', 64);
      const x = t(b, new Float32Array(0), [2, 3, 2, 0]);
      const w = t(b, new Float32Array(0), [1, 1, 0, 5]);
      const bias = withBias ? t(b, Float32Array.from([1, -2, 0.5, -0.25, 3]), [5]) : null;
      const dtype = b === oracle ? 'float64' : 'float32';
      const y = Array.from(b.readSync!({ storage: b.conv2d(x, w, bias, p, relu), shape: [2, 3, 2, 5], dtype }));
      const dy = t(b, Float32Array.from({ length: 60 }, (_, i) => i - 30), [2, 3, 2, 5]);
      const dx = Array.from(b.readSync!({ storage: b.conv2dBackpropInput(dy, w, [2, 3, 2, 0], p), shape: [2, 3, 2, 0], dtype }));
      const dw = Array.from(b.readSync!({ storage: b.conv2dBackpropFilter(x, dy, [1, 1, 0, 5], p), shape: [1, 1, 0, 5], dtype }));
      const x2 = t(b, new Float32Array(0), [0, 3, 2, 2]);
      const dy0 = t(b, new Float32Array(0), [0, 3, 2, 5]);
      const dw2 = Array.from(b.readSync!({ storage: b.conv2dBackpropFilter(x2, dy0, [1, 1, 2, 5], p), shape: [1, 1, 2, 5], dtype }));
      return [...y, ...dx, ...dw, ...dw2];
    };
    for (const relu of [false, true]) {
      for (const withBias of [false, true]) expect(run(be, relu, withBias), `relu ${relu}, bias ${withBias}`).toEqual(run(oracle, relu, withBias));
    }
  });
});

/** The backend's matmul on every transpose pair and batch broadcast, against the oracle; counts which kernels ran. */
function checkMatmuls({ be, runner }: { be: WasmBackend; runner: ChunkingRunner }): void {
  // M ≤ 16 reads a transposed B as stored (dot products); M = 19 copies it into scratch first;
  // M ≤ 4 streams an untransposed B by rows (N = 263: a strip of 256 columns and a ragged one).
  for (const [M, K, N] of [[7, 9, 21], [19, 3, 6], [3, 10, 263]] as const) {
    for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      for (const [ba, bb] of [[1, 3], [3, 1], [2, 2]] as const) {
        const aShape = tA ? [ba, K, M] : [ba, M, K];
        const bShape = tB ? [bb, N, K] : [bb, K, N];
        const [va, vb] = [Float32Array.from({ length: sizeOf(aShape) }, (_, i) => Math.cos(i)), Float32Array.from({ length: sizeOf(bShape) }, (_, i) => Math.sin(i * 0.7))];
        const a: TensorInfo = { storage: be.upload(va, 'float32'), shape: aShape, dtype: 'float32' };
        const b: TensorInfo = { storage: be.upload(vb, 'float32'), shape: bShape, dtype: 'float32' };
        const outShape = [Math.max(ba, bb), M, N];
        const before = be.bytesInUse();
        const got = be.readSync({ storage: be.matmul(a, b, tA, tB), shape: outShape, dtype: 'float32' });
        // Only the output stays: the scratch blocks of the transposes are returned.
        expect(be.bytesInUse() - before).toBe(Math.ceil((sizeOf(outShape) * 4) / 16) * 16);
        const want = oracle.readSync({ storage: oracle.matmul(cpuIn(va, aShape), cpuIn(vb, bShape), tA, tB), shape: outShape, dtype: 'float64' });
        // |a|, |b| ≤ 1: the float32 summation bound (K + 2)·u·K.
        expectWithin(got, want, () => (K + 2) * 2 ** -24 * K, `${M} ${tA} ${tB} ${ba} ${bb}`);
      }
    }
  }
  // One call per batch (3 + 3 + 2 per transpose pair): the dot-product kernel for the two
  // transposed-B pairs at M = 7 and M = 3, the row-streaming kernel for the other two at M = 3,
  // the blocked kernel for the rest.
  expect(runner.calls.get('matmulNT')).toBe(4 * 8);
  expect(runner.calls.get('matmulRows')).toBe(2 * 8);
  expect(runner.calls.get('matmul')).toBe(6 * 8);
}

describe('matmul on the backend', () => {
  it('transposed operands and broadcast batches match the oracle, cut into chunks of rows', () => checkMatmuls(chunked()));


  it('an empty product (K = 0) is zeros, and an empty output runs nothing', () => {
    const be = createSerialWasmBackend();
    const a: TensorInfo = { storage: be.upload(new Float32Array(0), 'float32'), shape: [1, 3, 0], dtype: 'float32' };
    const b: TensorInfo = { storage: be.upload(new Float32Array(0), 'float32'), shape: [1, 0, 5], dtype: 'float32' };
    // The output block is reused memory: the kernel must write the zeros itself.
    const junk = be.fill(15, 7, 'float32');
    be.free(junk, 'float32', 15);
    expect(Array.from(be.readSync({ storage: be.matmul(a, b, false, false), shape: [1, 3, 5], dtype: 'float32' }))).toEqual(new Array(15).fill(0));
    const junk2 = be.fill(15, 7, 'float32');
    be.free(junk2, 'float32', 15);
    const bT: TensorInfo = { storage: be.upload(new Float32Array(0), 'float32'), shape: [1, 5, 0], dtype: 'float32' };
    expect(Array.from(be.readSync({ storage: be.matmul(a, bT, false, true), shape: [1, 3, 5], dtype: 'float32' }))).toEqual(new Array(15).fill(0));
  });
});

describe('memory growth in the middle of a chain of ops', () => {
  it('results stay right when outputs force the memory to grow past its first page, shared or not', () => {
    for (const shared of [true, false]) {
      const memory = createWasmMemory(1, shared);
      const be = new WasmBackend({ runner: new SerialKernelRunner(memory), features: wasmFeatures() });
      const shape = [3, 20, 20, 8]; // 38 KiB per tensor: the second output no longer fits in 64 KiB
      const v = Float32Array.from({ length: sizeOf(shape) }, (_, i) => Math.sin(i * 0.37) * 2);
      const x: TensorInfo = { storage: be.upload(v, 'float32'), shape, dtype: 'float32' };
      const bias: TensorInfo = { storage: be.upload(Float32Array.from([1, -1, 2, -2, 0.5, -0.5, 3, -3]), 'float32'), shape: [8], dtype: 'float32' };
      const y1: TensorInfo = { storage: be.binary('add', x, bias, shape), shape, dtype: 'float32' };
      const y2: TensorInfo = { storage: be.unary('relu', y1), shape, dtype: 'float32' };
      const y3: TensorInfo = { storage: be.binary('mul', y2, x, shape), shape, dtype: 'float32' };
      const pool = { window: [2, 2] as [number, number], strides: [2, 2] as [number, number], pad: { top: 0, bottom: 0, left: 0, right: 0 }, outHeight: 10, outWidth: 10 };
      const y4 = be.readSync({ storage: be.maxPool2d(y3, pool), shape: [3, 10, 10, 8], dtype: 'float32' }) as Float32Array;
      expect(be.memory.capacity()).toBeGreaterThan(65536);
      const c1 = oracle.binary('add', cpuIn(v, shape), cpuIn(Float32Array.from([1, -1, 2, -2, 0.5, -0.5, 3, -3]), [8]), shape);
      const c2 = oracle.unary('relu', { storage: c1, shape, dtype: 'float64' });
      const c3 = oracle.binary('mul', { storage: c2, shape, dtype: 'float64' }, cpuIn(v, shape), shape);
      const want = oracle.readSync({ storage: oracle.maxPool2d({ storage: c3, shape, dtype: 'float64' }, pool), shape: [3, 10, 10, 8], dtype: 'float64' });
      // add and relu are exact in float32; the product rounds once more than the oracle's.
      expectWithin(y4, want, (i) => Math.abs(want[i]!) * 2 ** -23, `shared ${shared}`);
    }
  });
});

describe('conformance with every split kernel cut into 3 chunks (the partition convention)', () => {
  conformanceTests(() => chunked().be, { runs: 2 });
});

/** The suites that need relaxed SIMD: they turn on V8's flag first (wasm-relaxed-simd.test.ts calls this last). */
export function fmaSuites(): void {
  describe('the backend on the relaxed-SIMD FMA path', () => {
    // Node 20 accepts relaxed SIMD only behind a V8 flag (as in wasm-builder.suite.ts): turned on
    // here, after the suites above ran on the mul+add path, in wasm-relaxed-simd.test.ts's own
    // worker process.
    beforeAll(() => {
      if (!probeWasmFeatures().relaxedSimd) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    });
    const fmaBackend = (): WasmBackend => {
      const features = probeWasmFeatures();
      if (!features.relaxedSimd) throw new Error('relaxed SIMD is still unavailable after the V8 flag');
      return new WasmBackend({ runner: new ChunkingRunner(createWasmMemory(1), 2), features });
    };

    it('reports relaxed SIMD in info() and runs the FMA matmul', () => {
      expect(fmaBackend().info().adapter).toMatch(/, relaxed SIMD\)$/);
    });

    it('every matmul kernel (blocked, row-streaming, dot-product) matches the oracle with FMA', () => {
      const features = probeWasmFeatures();
      expect(features.relaxedSimd, 'relaxed SIMD after the V8 flag').toBe(true);
      checkMatmuls(chunked(features));
    });

    conformanceTests(fmaBackend, { runs: 2 });
  });
}
