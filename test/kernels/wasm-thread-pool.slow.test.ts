/**
 * The thread pool's lost-wake-up check of wasm-thread-pool.test.ts at a larger count (slow tier:
 * STIELTJES_TESTS=all): 2,000 small calls in a row on the futex path, where a rarer race between
 * a call's end and the next call's offer would leave a stale item.
 */
import { describe, expect, it } from 'vitest';
import { createThreadedRunner, type ThreadedKernelRunner } from '../../src/kernels/wasm/thread-pool.js';
import { smallCallsInARow } from './wasm-thread-kernels.js';

describe('createThreadedRunner, at scale', () => {
  it('runs 2,000 small calls in a row, each seeing the previous one’s writes (no lost wake-up)', async () => {
    const memory = new WebAssembly.Memory({ initial: 4, maximum: 1024, shared: true });
    const r = (await createThreadedRunner({ threads: 3, memory, spin: 0 })) as ThreadedKernelRunner; // every wait sleeps: the futex path
    try {
      smallCallsInARow(r, memory, 2000);
      expect(r.workerChunks).toBeGreaterThan(0);
    } finally {
      r.dispose();
    }
  });
});
