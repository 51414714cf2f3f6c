import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { BinaryOp, UnaryOp } from '../../src/kernels/backend.js';
import { arg, describeWebGpu, expectClose, runBoth, seededValues, sizeOfShape } from '../helpers/webgpu.js';
import { propertyRuns } from '../../src/testing/runs.js';

/** Output shapes of rank 0–4 and input shapes that broadcast to them (dims dropped or set to 1). */
const broadcastCase = fc
  .record({
    out: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 0, maxLength: 4 }),
    masks: fc.array(fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 4, maxLength: 4 }), { minLength: 3, maxLength: 3 }),
    drops: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 3, maxLength: 3 }),
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  })
  .map(({ out, masks, drops, seed }) => {
    // mask 0: keep the dimension, 1: set it to 1, 2: keep (more weight on full shapes).
    const inputs = masks.map((m, k) => {
      const s = out.map((d, i) => (m[i] === 1 ? 1 : d));
      return s.slice(Math.min(drops[k]!, s.length));
    });
    return { out, inputs, seed };
  });

const UNARY: { op: UnaryOp; lo: number; hi: number }[] = [
  { op: 'neg', lo: -3, hi: 3 },
  { op: 'exp', lo: -4, hi: 4 },
  { op: 'log', lo: 0.01, hi: 10 },
  { op: 'sqrt', lo: 0, hi: 10 },
  { op: 'abs', lo: -3, hi: 3 },
  { op: 'relu', lo: -3, hi: 3 },
  { op: 'step', lo: -3, hi: 3 },
  { op: 'sign', lo: -3, hi: 3 },
];

const BINARY: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'greater', 'greaterEqual', 'equal'];

/** Values on a coarse grid so that comparison ops see ties. */
function gridValues(n: number, seed: number): Float32Array {
  return seededValues(n, seed, -3, 3).map((v) => Math.round(v * 2) / 2);
}

describeWebGpu('webgpu elementwise kernels', (gpu) => {
  it('unary ops match the CPU on their domains (vec4 and scalar paths)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...UNARY),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        async (u, shape, seed) => {
          const x = arg(shape, seededValues(sizeOfShape(shape), seed, u.lo, u.hi));
          const r = await runBoth(gpu(), [x], (b, [t]) => b.unary(u.op, t!));
          expectClose(r.gpu, r.cpu, 1e-6, 4e-6, `unary(${u.op}) ${JSON.stringify(shape)}`);
        },
      ),
      { numRuns: propertyRuns(13) },
    );
  });

  it('binary ops broadcast like the CPU', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...BINARY), broadcastCase, async (op, c) => {
        const [sa, sb] = c.inputs;
        const a = arg(sa!, gridValues(sizeOfShape(sa!), c.seed));
        const bv = gridValues(sizeOfShape(sb!), c.seed + 1);
        // Keep divisors away from 0.
        const b = arg(sb!, op === 'div' ? bv.map((v) => (Math.abs(v) < 0.5 ? 0.5 + Math.abs(v) : v)) : bv);
        const r = await runBoth(gpu(), [a, b], (be, [x, y]) => be.binary(op, x!, y!, c.out));
        expectClose(r.gpu, r.cpu, 1e-6, 2e-6, `binary(${op}) ${JSON.stringify(sa)} ${JSON.stringify(sb)} -> ${JSON.stringify(c.out)}`);
      }),
      { numRuns: propertyRuns(20) },
    );
  });

  it('pow follows JavaScript semantics for negative bases with integer exponents', async () => {
    const base = new Float32Array([2, -2, -2, 0, 0, 3, -1.5, 0.5, 7]);
    const expo = new Float32Array([3, 3, 2, 2, 0, -1, 0, 0.5, 1.5]);
    const r = await runBoth(gpu(), [arg([9], base), arg([9], expo)], (b, [x, y]) => b.binary('pow', x!, y!, [9]));
    expectClose(r.gpu, r.cpu, 1e-6, 1e-5, 'pow');
    const neg = await runBoth(gpu(), [arg([1], new Float32Array([-2])), arg([1], new Float32Array([0.5]))], (b, [x, y]) =>
      b.binary('pow', x!, y!, [1]),
    );
    expect(Number.isNaN(neg.gpu[0])).toBe(true);
  });

  it('pow matches the CPU on positive bases with broadcasting', async () => {
    await fc.assert(
      fc.asyncProperty(broadcastCase, async (c) => {
        const [sa, sb] = c.inputs;
        const a = arg(sa!, seededValues(sizeOfShape(sa!), c.seed, 0.1, 3));
        const b = arg(sb!, seededValues(sizeOfShape(sb!), c.seed + 7, -2, 2));
        const r = await runBoth(gpu(), [a, b], (be, [x, y]) => be.binary('pow', x!, y!, c.out));
        expectClose(r.gpu, r.cpu, 1e-6, 2e-5, 'pow');
      }),
      { numRuns: propertyRuns(8) },
    );
  });

  it('where selects with a broadcast condition', async () => {
    await fc.assert(
      fc.asyncProperty(broadcastCase, async (c) => {
        const [sc, sa, sb] = c.inputs;
        const cond = arg(sc!, seededValues(sizeOfShape(sc!), c.seed).map((v) => (v > 0 ? 1 : 0)));
        const a = arg(sa!, seededValues(sizeOfShape(sa!), c.seed + 1));
        const b = arg(sb!, seededValues(sizeOfShape(sb!), c.seed + 2));
        const r = await runBoth(gpu(), [cond, a, b], (be, [x, y, z]) => be.where(x!, y!, z!, c.out));
        expectClose(r.gpu, r.cpu, 0, 0, 'where');
      }),
      { numRuns: propertyRuns(10) },
    );
  });

  it('cast to float32 copies into new storage; float64 is refused by name', async () => {
    const x = arg([5], seededValues(5, 3));
    const r = await runBoth(gpu(), [x], (b, [t]) => b.cast(t!, 'float32'));
    expectClose(r.gpu, r.cpu, 0, 0, 'cast');
    const s = gpu().upload(x.values, 'float32');
    expect(() => gpu().cast({ storage: s, shape: [5], dtype: 'float32' }, 'float64')).toThrow(/webgpu\.cast.*float32 only/);
    expect(() => gpu().upload(new Float64Array(2), 'float64')).toThrow(/webgpu\.upload/);
    gpu().free(s, 'float32', 5);
  });

  it('fill and upload round-trip through read, including sizes that are not multiples of 4', async () => {
    for (const n of [0, 1, 3, 4, 1023, 4096]) {
      const f = gpu().fill(n, -2.5, 'float32');
      const got = await gpu().read({ storage: f, shape: [n], dtype: 'float32' });
      expect(Array.from(got)).toEqual(new Array(n).fill(-2.5));
      gpu().free(f, 'float32', n);
      const vals = seededValues(n, n + 1);
      const u = gpu().upload(vals, 'float32');
      expect(Array.from(await gpu().read({ storage: u, shape: [n], dtype: 'float32' }))).toEqual(Array.from(vals));
      gpu().free(u, 'float32', n);
    }
  });
});
