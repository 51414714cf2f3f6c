/**
 * The WebAssembly backend's allocator (src/kernels/wasm/wasm-memory.ts): 16-byte alignment,
 * reuse of freed blocks (best fit), merging of free neighbours, growth that keeps the data,
 * bytesInUse back to 0, and one clear error for a tensor that cannot fit under wasm32's 4 GiB.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSerialWasmBackend } from '../../src/kernels/wasm/create-wasm-backend.js';
import { createWasmMemory, WasmMemory } from '../../src/kernels/wasm/wasm-memory.js';
import { propertyRuns } from '../../src/testing/runs.js';

const PAGE = 65536;
const small = (pages = 1, maximum?: number): WasmMemory =>
  new WasmMemory(new WebAssembly.Memory({ initial: pages, ...(maximum !== undefined ? { maximum } : {}) }));

describe('WasmMemory', () => {
  it('hands out 16-byte aligned blocks of whole 16-byte units, never at address 0', () => {
    const m = small();
    const a = m.alloc(1);
    const b = m.alloc(17);
    const c = m.alloc(0);
    for (const x of [a, b, c]) {
      expect(x % 16).toBe(0);
      expect(x).toBeGreaterThan(0);
    }
    expect(b - a).toBe(16); // 1 byte takes one unit
    expect(c - b).toBe(32); // 17 bytes take two
    expect(m.bytesInUse()).toBe(16 + 32 + 16);
  });

  it('reuses a freed block, choosing the smallest free block that fits', () => {
    const m = small();
    const big = m.alloc(256);
    m.alloc(16); // keeps `big` and `mid` apart
    const mid = m.alloc(128);
    m.alloc(16);
    m.free(big);
    m.free(mid);
    expect(m.alloc(120)).toBe(mid); // 128 fits better than 256 or the free tail
    expect(m.alloc(256)).toBe(big);
  });

  it('merges a freed block with free neighbours on both sides', () => {
    const m = small();
    const [a, b, c] = [m.alloc(64), m.alloc(64), m.alloc(64)];
    const guard = m.alloc(16);
    m.free(a);
    m.free(c);
    expect(m.freeBlocks().length).toBe(3); // a, c, and the tail after the guard
    m.free(b);
    expect(m.freeBlocks()[0]).toEqual({ address: a, bytes: 192 });
    expect(m.alloc(192)).toBe(a); // the merged block serves a request none of the three could
    m.free(guard);
  });

  it('grows when nothing fits, keeps the data, and merges the new pages with a free tail', () => {
    const m = small(1);
    const a = m.alloc(1000);
    new Float32Array(m.memory.buffer, a, 250).set(Array.from({ length: 250 }, (_, i) => i * 0.5));
    const b = m.alloc(3 * PAGE);
    expect(m.capacity()).toBeGreaterThanOrEqual(4 * PAGE);
    // A new view (the buffer was replaced) sees what was written before the growth.
    expect(Array.from(new Float32Array(m.memory.buffer, a, 250))).toEqual(Array.from({ length: 250 }, (_, i) => i * 0.5));
    m.free(b);
    m.free(a);
    expect(m.bytesInUse()).toBe(0);
    expect(m.freeBlocks()).toEqual([{ address: 16, bytes: m.capacity() - 16 }]);
  });

  it('keeps blocks disjoint and inside the memory over any sequence of allocations and frees', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat({ max: 40000 }), fc.nat()), { maxLength: 60 }), (steps) => {
        const m = small(1);
        const live = new Map<number, number>();
        for (const [doAlloc, bytes, pick] of steps) {
          if (doAlloc || live.size === 0) {
            const at = m.alloc(bytes);
            expect(at % 16).toBe(0);
            for (const [other, n] of live) expect(at + Math.max(bytes, 1) <= other || other + n <= at, 'overlap').toBe(true);
            expect(at + bytes).toBeLessThanOrEqual(m.capacity());
            live.set(at, Math.max(bytes, 1));
          } else {
            const at = [...live.keys()][pick % live.size]!;
            m.free(at);
            live.delete(at);
          }
        }
        for (const at of live.keys()) m.free(at);
        expect(m.bytesInUse()).toBe(0);
        expect(m.freeBlocks()).toEqual([{ address: 16, bytes: m.capacity() - 16 }]);
      }),
      { numRuns: propertyRuns(50) },
    );
  });

  it('refuses a double free and a foreign address by name', () => {
    const m = small();
    const a = m.alloc(32);
    m.free(a);
    expect(() => m.free(a)).toThrow(/no live block at address \d+/);
    expect(() => m.free(12345)).toThrow(/no live block at address 12345/);
  });

  it('says what could not fit when the engine will not grow the memory', () => {
    const m = small(1, 2);
    expect(() => m.alloc(3 * PAGE, 'the upload output [49152]')).toThrow(
      /^wasm: the upload output \[49152\] needs 196608 bytes; the engine refused to grow the memory past 65536 bytes \(/,
    );
  });

  it('is shared (for threads) where SharedArrayBuffer exists, and plain when asked', () => {
    expect(createWasmMemory(1).buffer instanceof SharedArrayBuffer).toBe(typeof SharedArrayBuffer === 'function');
    expect(createWasmMemory(1, false).buffer instanceof ArrayBuffer).toBe(true);
  });
});

describe('the 4 GiB limit of wasm32', () => {
  it('a tensor larger than 4 GiB fails at once with one line naming its shape and bytes', () => {
    const be = createSerialWasmBackend();
    const n = 2 ** 30 + 1; // 4 GiB + 4 bytes of float32
    expect(() => be.fill(n, 0, 'float32')).toThrow(
      /^wasm: the fill output \[1073741825\] needs 4294967300 bytes, more than a wasm32 memory holds \(4 GiB\); use a smaller batch or image$/,
    );
    expect(be.bytesInUse()).toBe(0);
  });
});
