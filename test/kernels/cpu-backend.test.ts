import { describe, expect, it } from 'vitest';
import type { TensorInfo } from '../../src/kernels/backend.js';
import { CpuBackend } from '../../src/kernels/cpu/cpu-backend.js';

describe('CpuBackend storage', () => {
  it('describes itself', () => {
    const be = new CpuBackend();
    expect(be.name).toBe('cpu');
    expect(be.supportsFloat64).toBe(true);
    expect(be.info()).toEqual({ name: 'cpu', adapter: 'JavaScript (CPU)' });
  });

  it('counts the bytes of live storage: uploads, fills and kernel outputs add, free subtracts', () => {
    const be = new CpuBackend();
    const a = be.upload(new Float64Array([1, 2, 3]), 'float32');
    expect(be.bytesInUse()).toBe(12);
    const b = be.fill(5, 2, 'float64');
    expect(be.bytesInUse()).toBe(12 + 40);
    const info: TensorInfo = { storage: a, shape: [3], dtype: 'float32' };
    const c = be.unary('exp', info);
    expect(be.bytesInUse()).toBe(12 + 40 + 12);
    const d = be.cast(info, 'float64');
    expect(be.bytesInUse()).toBe(12 + 40 + 12 + 24);
    be.free(a, 'float32', 3);
    be.free(b, 'float64', 5);
    be.free(c, 'float32', 3);
    be.free(d, 'float64', 3);
    expect(be.bytesInUse()).toBe(0);
  });

  it('stores the dtype it is asked for and reads back a copy', async () => {
    const be = new CpuBackend();
    const s = be.upload(new Float64Array([0.1, 2]), 'float32');
    expect(s).toBeInstanceOf(Float32Array);
    const info: TensorInfo = { storage: s, shape: [2], dtype: 'float32' };
    const read = be.readSync(info);
    expect(Array.from(read)).toEqual([Math.fround(0.1), 2]);
    read[0] = 99;
    expect(be.readSync(info)[0]).toBe(Math.fround(0.1));
    expect(Array.from(await be.read(info))).toEqual([Math.fround(0.1), 2]);
    expect(Array.from(be.fill(3, 7, 'float64') as Float64Array)).toEqual([7, 7, 7]);
  });

  it('rejects storage that is not what its dtype and shape say, naming the kernel', () => {
    const be = new CpuBackend();
    const f64 = be.upload(new Float64Array([1, 2]), 'float64');
    expect(() => be.unary('neg', { storage: f64, shape: [2], dtype: 'float32' })).toThrow(/cpu\.unary\(neg\).*labelled float32 but holds a Float64Array/);
    expect(() => be.unary('neg', { storage: f64, shape: [3], dtype: 'float64' })).toThrow(/cpu\.unary\(neg\).*\[3\] has 2 elements/);
    expect(() => be.reduce('sum', { storage: { gpu: true }, shape: [2], dtype: 'float32' }, [0])).toThrow(/cpu\.reduce\(sum\).*not CPU storage/);
    expect(() => be.free({ gpu: true }, 'float32', 2)).toThrow(/cpu\.free/);
  });
});
