import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { ReduceOp } from '../../src/kernels/backend.js';
import { arg, describeWebGpu, expectClose, maxAbs, runBoth, seededValues, sizeOfShape, sumTolerance } from '../helpers/webgpu.js';
import { propertyRuns } from '../../src/testing/runs.js';

const shapeArb = (maxRank: number, maxDim: number) => fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: 1, maxLength: maxRank });
const seedArb = fc.integer({ min: 1, max: 2 ** 31 - 1 });

/** A shape and a sorted, unique subset of its axes. */
const reduceCase = fc
  .record({ shape: shapeArb(4, 7), pick: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), seed: seedArb })
  .map(({ shape, pick, seed }) => ({ shape, axes: shape.map((_, i) => i).filter((i) => pick[i]), seed }));

describeWebGpu('webgpu layout and reduction kernels', (gpu) => {
  it('transpose matches the CPU for any permutation', async () => {
    await fc.assert(
      fc.asyncProperty(
        shapeArb(5, 5).chain((s) => fc.tuple(fc.constant(s), fc.shuffledSubarray(s.map((_, i) => i), { minLength: s.length, maxLength: s.length }))),
        seedArb,
        async ([shape, perm], seed) => {
          const r = await runBoth(gpu(), [arg(shape, seededValues(sizeOfShape(shape), seed))], (b, [x]) => b.transpose(x!, perm));
          expectClose(r.gpu, r.cpu, 0, 0, `transpose ${JSON.stringify(shape)} ${JSON.stringify(perm)}`);
        },
      ),
      { numRuns: propertyRuns(10) },
    );
  });

  it('slice, pad and broadcastTo match the CPU', async () => {
    await fc.assert(
      fc.asyncProperty(shapeArb(4, 6), fc.array(fc.nat(), { minLength: 8, maxLength: 8 }), seedArb, async (shape, r8, seed) => {
        const x = arg(shape, seededValues(sizeOfShape(shape), seed));
        const begin = shape.map((d, i) => r8[i]! % d);
        const size = shape.map((d, i) => 1 + (r8[i + 4]! % (d - begin[i]!)));
        const s = await runBoth(gpu(), [x], (b, [t]) => b.slice(t!, begin, size));
        expectClose(s.gpu, s.cpu, 0, 0, 'slice');
        const pads = shape.map((_, i) => [r8[i]! % 3, r8[i + 4]! % 2] as const);
        const p = await runBoth(gpu(), [x], (b, [t]) => b.pad(t!, pads, -1.5));
        expectClose(p.gpu, p.cpu, 0, 0, 'pad');
        const ones = shape.map((d, i) => (r8[i]! % 2 === 0 ? 1 : d));
        const target = shape.map((d, i) => (ones[i] === 1 ? 1 + (r8[i + 4]! % 4) : d));
        const small = arg(ones, seededValues(sizeOfShape(ones), seed + 1));
        const bc = await runBoth(gpu(), [small], (b, [t]) => b.broadcastTo(t!, target));
        expectClose(bc.gpu, bc.cpu, 0, 0, 'broadcastTo');
      }),
      { numRuns: propertyRuns(10) },
    );
  });

  it('concat joins along any axis', async () => {
    await fc.assert(
      fc.asyncProperty(shapeArb(4, 5), fc.nat(), fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 4 }), seedArb, async (shape, a, sizes, seed) => {
        const axis = a % shape.length;
        const args = sizes.map((d, k) => {
          const s = [...shape];
          s[axis] = d;
          return arg(s, seededValues(sizeOfShape(s), seed + k));
        });
        const r = await runBoth(gpu(), args, (b, xs) => b.concat(xs, axis));
        expectClose(r.gpu, r.cpu, 0, 0, `concat axis ${axis}`);
      }),
      { numRuns: propertyRuns(10) },
    );
  });

  it('reductions over any axes match the CPU', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<ReduceOp>('sum', 'max', 'min'), reduceCase, async (op, c) => {
        const x = arg(c.shape, seededValues(sizeOfShape(c.shape), c.seed));
        const r = await runBoth(gpu(), [x], (b, [t]) => b.reduce(op, t!, c.axes));
        const terms = c.axes.reduce((n, a) => n * c.shape[a]!, 1);
        expectClose(r.gpu, r.cpu, op === 'sum' ? sumTolerance(terms, 1) : 0, 0, `reduce(${op}) ${JSON.stringify(c)}`);
      }),
      { numRuns: propertyRuns(20) },
    );
  });

  it('long reductions go through several partial passes (rows and columns)', async () => {
    for (const [shape, axes] of [
      [[3, 70000], [1]],
      [[9000, 3, 5], [0]],
      [[20000, 40], [0]],
      [[5, 4, 3000], [0, 2]],
    ] as [number[], number[]][]) {
      const x = arg(shape, seededValues(sizeOfShape(shape), 11));
      for (const op of ['sum', 'max'] as const) {
        const r = await runBoth(gpu(), [x], (b, [t]) => b.reduce(op, t!, axes));
        const terms = axes.reduce((n, a) => n * shape[a]!, 1);
        expectClose(r.gpu, r.cpu, op === 'sum' ? sumTolerance(terms, maxAbs(x.values)) : 0, 0, `reduce(${op}) ${JSON.stringify(shape)}`);
      }
    }
  });

  it('reducing an empty axis gives the identity; reducing nothing copies', async () => {
    const empty = arg([3, 0], new Float32Array(0));
    const sum = await runBoth(gpu(), [empty], (b, [t]) => b.reduce('sum', t!, [1]));
    expect(Array.from(sum.gpu)).toEqual([0, 0, 0]);
    const max = await runBoth(gpu(), [empty], (b, [t]) => b.reduce('max', t!, [1]));
    expect(Array.from(max.gpu)).toEqual([-Infinity, -Infinity, -Infinity]);
    const x = arg([2, 1, 3], seededValues(6, 5));
    const same = await runBoth(gpu(), [x], (b, [t]) => b.reduce('sum', t!, [1]));
    expectClose(same.gpu, same.cpu, 0, 0, 'reduce over a size-1 axis');
  });

  it('layout kernels reject bad arguments with errors naming the kernel', () => {
    const s = gpu().upload(new Float32Array(6), 'float32');
    const x = { storage: s, shape: [2, 3], dtype: 'float32' as const };
    expect(() => gpu().transpose(x, [0, 0])).toThrow(/webgpu\.transpose.*\[2,3\]/);
    expect(() => gpu().slice(x, [1, 1], [2, 1])).toThrow(/webgpu\.slice/);
    expect(() => gpu().reduce('sum', x, [2])).toThrow(/webgpu\.reduce\(sum\)/);
    expect(() => gpu().concat([x, { ...x, shape: [3, 2] }], 0)).toThrow(/webgpu\.concat/);
    gpu().free(s, 'float32', 6);
  });
});
