/**
 * The backend conformance suite on the WebAssembly backend: every row of the primitive table,
 * forward, VJP and second order in float32, against the float64 CPU oracle; memory that returns
 * to where it was after repeated forward + backward passes; float64 refused in one line.
 */
import { describe, expect, it } from 'vitest';
import * as op from '../../src/autograd/ops.js';
import { valueAndGrad } from '../../src/autograd/functional.js';
import { createSerialWasmBackend, createWasmBackend } from '../../src/kernels/wasm/create-wasm-backend.js';
import type { WasmBackend } from '../../src/kernels/wasm/wasm-backend.js';
import { randomNormal } from '../../src/tensor/creation.js';
import { scope } from '../../src/tensor/scope.js';
import { propertyRuns } from '../../src/testing/runs.js';
import { conformanceTests, repeatedTrainingStep } from '../helpers/conformance.js';

let wasm: WasmBackend | null = null;
const backend = (): WasmBackend => (wasm ??= createSerialWasmBackend());

describe('conformance: WebAssembly float32 against the float64 CPU oracle', () => {
  conformanceTests(backend, { runs: propertyRuns(4), secondOrder: true });
});

// The same table on a pool of two threads runs in conformance-wasm.slow.test.ts (starting the
// pool's workers costs more than the table); here, a convolution, its gradients and a matmul
// on three threads must equal one thread's bit for bit (below), and wasm-kernels.suite.ts runs
// the table with every split kernel cut into chunks, as a pool cuts them.

describe('the WebAssembly backend', () => {
  it('50 repetitions of a forward + backward pass leave the allocated bytes where they were', async () => {
    const be = backend();
    // Bytes in use, and the memory's size: freed blocks are reused, so the same work needs no
    // more memory the 51st time than the first.
    const r = await repeatedTrainingStep(be, 50, () => [be.bytesInUse(), be.memory.capacity()]);
    expect(r.afterAll).toEqual(r.after1);
    r.dispose();
    expect(be.bytesInUse()).toBe(0);
  });

  it('refuses float64 in one line naming the op, and says what it is in info()', () => {
    const be = createSerialWasmBackend();
    expect(() => be.upload(new Float64Array([1]), 'float64')).toThrow(/^wasm\.upload: the WebAssembly backend computes in float32 only, got float64$/);
    expect(be.supportsFloat64).toBe(false);
    expect(be.info()).toMatchObject({ name: 'wasm', threads: 1 });
    expect(be.info().adapter).toMatch(/^WebAssembly \(1 thread, SIMD128, (no )?relaxed SIMD\)$/);
  });

  it('on three threads, a convolution, its two gradients and a matmul equal one thread\'s bit for bit, with the workers taking part', async () => {
    const serial = createSerialWasmBackend();
    const pooled = await createWasmBackend({ threads: 3 });
    const run = async (be: WasmBackend): Promise<Float32Array[]> => {
      const x = randomNormal([2, 20, 20, 12], 0, 1, { backend: be, seed: 3 });
      const w = randomNormal([3, 3, 12, 24], 0, 0.3, { backend: be, seed: 4 });
      const m = randomNormal([1, 96, 80], 0, 1, { backend: be, seed: 5 });
      const out = scope(() => {
        const { value, grads } = valueAndGrad((a, b) => op.sum(op.relu(op.conv2d(a, b, { padding: 'same', strides: 2 }))))(x, w);
        return [value, ...grads, op.matmul(m, op.transpose(m, [0, 2, 1]))];
      });
      const values = await Promise.all(out.map(async (t) => Float32Array.from(await t.data())));
      for (const t of [x, w, m, ...out]) t.dispose();
      return values;
    };
    const a = await run(serial);
    // The caller takes chunks too: on a busy machine it may finish a call before a worker wakes,
    // so repeat (bounded) until the workers have taken part, checking every result.
    const workerChunks = (): number => (pooled as unknown as { runner: { workerChunks: number } }).runner.workerChunks;
    for (let attempt = 0; attempt < 50 && (attempt === 0 || workerChunks() === 0); attempt++) {
      const b = await run(pooled);
      a.forEach((v, i) => expect(Array.from(b[i]!), `output ${i}`).toEqual(Array.from(v)));
    }
    expect(workerChunks(), 'chunks the workers ran').toBeGreaterThan(0);
    pooled.dispose();
  });

  it('runs the threads asked for in Node, and refuses bad options by name', async () => {
    const be = await createWasmBackend({ threads: 3 });
    expect(be.info()).toMatchObject({ threads: 3 });
    expect(be.info().threadNote).toBeUndefined();
    be.dispose();
    await expect(createWasmBackend({ threads: 0 })).rejects.toThrow(/threads must be a positive integer/);
    await expect(createWasmBackend({ thread: 2 } as never)).rejects.toThrow(/unknown option 'thread'/);
  });

  it('a kernel that throws after its output was allocated returns that block', () => {
    const be = createSerialWasmBackend();
    const x = { storage: be.upload(new Float32Array(6), 'float32'), shape: [2, 3], dtype: 'float32' as const };
    const before = be.bytesInUse();
    expect(() => be.pad(x, [[0, 1], [2, -1]], 0)).toThrow(/negative padding \[2, -1\] on axis 1/);
    expect(be.bytesInUse()).toBe(before);
  });

  it('rejects storage of another backend, and freed storage, by name', () => {
    const [a, b] = [createSerialWasmBackend(), createSerialWasmBackend()];
    const s = a.upload(new Float32Array([1, 2]), 'float32');
    expect(() => b.unary('neg', { storage: s, shape: [2], dtype: 'float32' })).toThrow(/another WebAssembly backend/);
    expect(() => a.unary('neg', { storage: new Float32Array(2), shape: [2], dtype: 'float32' })).toThrow(/does not belong to the WebAssembly backend/);
    a.free(s, 'float32', 2);
    expect(() => a.readSync({ storage: s, shape: [2], dtype: 'float32' })).toThrow(/already been freed/);
    expect(a.bytesInUse()).toBe(0);
  });
});
