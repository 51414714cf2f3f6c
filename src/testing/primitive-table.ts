/**
 * One generated gradient case per primitive (and option), shared by the CPU suite and the WebGPU
 * suite: each case is checked against float64 finite differences and, on the backend under test,
 * float32 against float64.
 */
import fc from 'fast-check';
import * as op from '../autograd/ops.js';
import type { Tensor } from '../tensor/tensor.js';
import { broadcastShapes } from '../tensor/shape.js';
import { broadcastPairArb, shapeArb, valuesArb, type ValueOptions } from './arbitraries.js';
import type { GradCase } from './grad-property.js';

export interface PrimitiveCase {
  name: string;
  arb: fc.Arbitrary<GradCase>;
}

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

function withValues(shapes: number[][], opts: ValueOptions | ValueOptions[] = {}): fc.Arbitrary<{ shape: number[]; values: Float64Array }[]> {
  return fc.tuple(...shapes.map((s, i) => valuesArb(size(s), Array.isArray(opts) ? opts[i]! : opts))).map((vals) =>
    vals.map((values, i) => ({ shape: shapes[i]!, values })),
  );
}

function binaryCase(name: string, f: (a: Tensor, b: Tensor) => Tensor, opts: ValueOptions = {}): PrimitiveCase {
  return {
    name,
    arb: broadcastPairArb({ maxRank: 3 }).chain(([sa, sb]) => withValues([sa, sb], opts).map((inputs) => ({ f: f as never, inputs }))),
  };
}

function unaryCase(name: string, f: (x: Tensor) => Tensor, opts: ValueOptions = {}): PrimitiveCase {
  return { name, arb: shapeArb({ maxRank: 3 }).chain((s) => withValues([s], opts).map((inputs) => ({ f: f as never, inputs }))) };
}

/** Shape plus a list of axes of it (possibly empty, possibly negative). */
const shapeAndAxes = shapeArb({ minRank: 1, maxRank: 4 }).chain((s) =>
  fc.tuple(fc.constant(s), fc.subarray(s.map((_, i) => i)), fc.boolean(), fc.boolean()).map(([shape, axes, neg, keepDims]) => ({
    shape,
    axes: neg ? axes.map((a) => a - shape.length) : axes,
    keepDims,
  })),
);

const nhwc = fc.record({
  n: fc.integer({ min: 1, max: 2 }),
  h: fc.integer({ min: 1, max: 7 }),
  w: fc.integer({ min: 1, max: 7 }),
  c: fc.integer({ min: 1, max: 3 }),
});

export const primitiveCases: PrimitiveCase[] = [
  binaryCase('add', op.add),
  binaryCase('sub', op.sub),
  binaryCase('mul', op.mul),
  binaryCase('div', op.div, { minAbs: 0.5 }),
  // Exponents spaced widely keep pow well conditioned; bases positive for the log in ∂/∂b.
  binaryCase('pow', op.pow, { positive: true, minAbs: 0.3, range: 2 }),
  binaryCase('maximum', op.maximum, { minGap: 0.05 }),
  binaryCase('minimum', op.minimum, { minGap: 0.05 }),
  unaryCase('neg', op.neg),
  unaryCase('exp', op.exp),
  unaryCase('log', op.log, { positive: true, minAbs: 0.2 }),
  unaryCase('sqrt', op.sqrt, { positive: true, minAbs: 0.2 }),
  unaryCase('abs', op.abs, { minAbs: 0.05 }),
  unaryCase('relu', op.relu, { minAbs: 0.05 }),
  {
    name: 'where',
    arb: broadcastPairArb({ maxRank: 3 }).chain(([sa, sb]) =>
      fc.tuple(withValues([sa, sb], { minAbs: 0.05 }), fc.constantFrom(0, 0.5)).map(([inputs, threshold]) => ({
        // The condition (a > threshold) is a 0/1 mask: no gradient flows into it, and values
        // stay ≥ 0.05 away from 0 so the mask does not flip under finite differences.
        f: ((a: Tensor, b: Tensor) => op.where(op.greater(a, op.scalarLike(a, threshold)), a, b)) as never,
        inputs,
      })),
    ),
  },
  {
    name: 'sum',
    arb: shapeAndAxes.chain(({ shape, axes, keepDims }) => withValues([shape]).map((inputs) => ({ f: ((x: Tensor) => op.sum(x, axes, { keepDims })) as never, inputs }))),
  },
  {
    name: 'mean',
    arb: shapeAndAxes.chain(({ shape, axes, keepDims }) => withValues([shape]).map((inputs) => ({ f: ((x: Tensor) => op.mean(x, axes, { keepDims })) as never, inputs }))),
  },
  {
    name: 'max',
    arb: shapeAndAxes.chain(({ shape, axes, keepDims }) =>
      withValues([shape], { minGap: 0.05 }).map((inputs) => ({ f: ((x: Tensor) => op.max(x, axes, { keepDims })) as never, inputs })),
    ),
  },
  {
    name: 'min',
    arb: shapeAndAxes.chain(({ shape, axes, keepDims }) =>
      withValues([shape], { minGap: 0.05 }).map((inputs) => ({ f: ((x: Tensor) => op.min(x, axes, { keepDims })) as never, inputs })),
    ),
  },
  {
    name: 'reshape',
    arb: shapeArb({ maxRank: 4 }).chain((s) => withValues([s]).map((inputs) => ({ f: ((x: Tensor) => op.reshape(x, [-1])) as never, inputs }))),
  },
  {
    name: 'transpose',
    arb: shapeArb({ minRank: 1, maxRank: 4 }).chain((s) =>
      fc.tuple(withValues([s]), fc.shuffledSubarray(s.map((_, i) => i), { minLength: s.length, maxLength: s.length })).map(([inputs, perm]) => ({
        f: ((x: Tensor) => op.transpose(x, perm)) as never,
        inputs,
      })),
    ),
  },
  {
    name: 'slice',
    arb: shapeArb({ minRank: 1, maxRank: 4 }).chain((s) =>
      fc
        .tuple(withValues([s]), ...s.map((d) => fc.integer({ min: 0, max: d - 1 }).chain((b) => fc.tuple(fc.constant(b), fc.integer({ min: 1, max: d - b })))))
        .map(([inputs, ...bs]) => ({ f: ((x: Tensor) => op.slice(x, bs.map((p) => p[0]), bs.map((p) => p[1]))) as never, inputs })),
    ),
  },
  {
    name: 'pad',
    arb: shapeArb({ minRank: 1, maxRank: 3 }).chain((s) =>
      fc
        .tuple(withValues([s]), fc.array(fc.tuple(fc.nat(2), fc.nat(2)), { minLength: s.length, maxLength: s.length }), fc.double({ min: -1, max: 1, noNaN: true }))
        .map(([inputs, pads, value]) => ({ f: ((x: Tensor) => op.pad(x, pads, value)) as never, inputs })),
    ),
  },
  {
    name: 'concat',
    arb: shapeArb({ minRank: 1, maxRank: 3 }).chain((s) =>
      fc.tuple(fc.integer({ min: 0, max: s.length - 1 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 3 })).chain(([axis, extra, count]) => {
        const shapes = Array.from({ length: count }, (_, i) => s.map((d, j) => (j === axis ? (i === 1 ? extra : d) : d)));
        return withValues(shapes).map((inputs) => ({ f: ((...xs: Tensor[]) => op.concat(xs, axis)) as never, inputs }));
      }),
    ),
  },
  {
    name: 'broadcastTo',
    arb: broadcastPairArb({ maxRank: 3 }).chain(([a, b]) => {
      const target = broadcastShapes('case', a, b);
      return withValues([a]).map((inputs) => ({ f: ((x: Tensor) => op.broadcastTo(x, target)) as never, inputs }));
    }),
  },
  {
    name: 'matmul',
    arb: fc
      .record({
        batchA: fc.constantFrom([], [1], [2], [2, 1]),
        batchB: fc.constantFrom([], [1], [2], [3, 2]),
        m: fc.integer({ min: 1, max: 4 }),
        k: fc.integer({ min: 1, max: 4 }),
        n: fc.integer({ min: 1, max: 4 }),
        ta: fc.boolean(),
        tb: fc.boolean(),
      })
      .filter(({ batchA, batchB }) => {
        try {
          broadcastShapes('x', batchA, batchB);
          return true;
        } catch {
          return false;
        }
      })
      .chain(({ batchA, batchB, m, k, n, ta, tb }) => {
        const sa = [...batchA, ...(ta ? [k, m] : [m, k])];
        const sb = [...batchB, ...(tb ? [n, k] : [k, n])];
        return withValues([sa, sb]).map((inputs) => ({ f: ((a: Tensor, b: Tensor) => op.matmul(a, b, { transposeA: ta, transposeB: tb })) as never, inputs }));
      }),
  },
  {
    name: 'conv2d',
    arb: fc
      .record({
        x: nhwc,
        kh: fc.integer({ min: 1, max: 3 }),
        kw: fc.integer({ min: 1, max: 3 }),
        cout: fc.integer({ min: 1, max: 3 }),
        stride: fc.integer({ min: 1, max: 2 }),
        dilation: fc.integer({ min: 1, max: 2 }),
        padding: fc.constantFrom('same' as const, 'valid' as const, 1),
        bias: fc.boolean(),
      })
      .filter(({ x, kh, kw, dilation, padding }) => padding !== 'valid' || (x.h >= (kh - 1) * dilation + 1 && x.w >= (kw - 1) * dilation + 1))
      .filter(({ x, kh, kw, dilation, padding }) => padding !== 1 || (x.h + 2 >= (kh - 1) * dilation + 1 && x.w + 2 >= (kw - 1) * dilation + 1))
      .chain(({ x, kh, kw, cout, stride, dilation, padding, bias }) => {
        const shapes = [[x.n, x.h, x.w, x.c], [kh, kw, x.c, cout], ...(bias ? [[cout]] : [])];
        return withValues(shapes).map((inputs) => ({
          f: ((xi: Tensor, w: Tensor, b?: Tensor) => op.conv2d(xi, w, { strides: stride, dilations: dilation, padding, bias: b ?? null })) as never,
          inputs,
        }));
      }),
  },
  {
    name: 'maxPool2d',
    arb: fc
      .record({ x: nhwc, k: fc.integer({ min: 1, max: 3 }), s: fc.integer({ min: 1, max: 3 }), padding: fc.constantFrom('same' as const, 'valid' as const) })
      .filter(({ x, k, padding }) => padding === 'same' || (x.h >= k && x.w >= k))
      .chain(({ x, k, s, padding }) =>
        withValues([[x.n, x.h, x.w, x.c]], { minGap: 0.02 }).map((inputs) => ({ f: ((xi: Tensor) => op.maxPool2d(xi, { window: k, strides: s, padding })) as never, inputs })),
      ),
  },
  {
    name: 'avgPool2d',
    arb: fc
      .record({ x: nhwc, k: fc.integer({ min: 1, max: 3 }), s: fc.integer({ min: 1, max: 3 }), padding: fc.constantFrom('same' as const, 'valid' as const) })
      .filter(({ x, k, padding }) => padding === 'same' || (x.h >= k && x.w >= k))
      .chain(({ x, k, s, padding }) =>
        withValues([[x.n, x.h, x.w, x.c]]).map((inputs) => ({ f: ((xi: Tensor) => op.avgPool2d(xi, { window: k, strides: s, padding })) as never, inputs })),
      ),
  },
  {
    name: 'resizeBilinear',
    arb: fc
      .record({ x: nhwc, oh: fc.integer({ min: 1, max: 9 }), ow: fc.integer({ min: 1, max: 9 }) })
      .chain(({ x, oh, ow }) => withValues([[x.n, x.h, x.w, x.c]]).map((inputs) => ({ f: ((xi: Tensor) => op.resizeBilinear(xi, [oh, ow])) as never, inputs }))),
  },
  {
    name: 'softmax',
    arb: shapeArb({ minRank: 1, maxRank: 3 }).chain((s) =>
      fc.tuple(withValues([s], { range: 4 }), fc.integer({ min: -s.length, max: s.length - 1 })).map(([inputs, axis]) => ({ f: ((x: Tensor) => op.softmax(x, axis)) as never, inputs })),
    ),
  },
  {
    name: 'logSoftmax',
    arb: shapeArb({ minRank: 1, maxRank: 3 }).chain((s) =>
      fc.tuple(withValues([s], { range: 4 }), fc.integer({ min: -s.length, max: s.length - 1 })).map(([inputs, axis]) => ({ f: ((x: Tensor) => op.logSoftmax(x, axis)) as never, inputs })),
    ),
  },
  {
    name: 'pickClasses',
    arb: fc
      .record({ b: fc.integer({ min: 1, max: 3 }), k: fc.integer({ min: 1, max: 5 }) })
      .chain(({ b, k }) =>
        fc.tuple(withValues([[b, k]]), fc.array(fc.integer({ min: 0, max: k - 1 }), { minLength: b, maxLength: b })).map(([inputs, classes]) => ({
          f: ((x: Tensor) => op.pickClasses(x, classes)) as never,
          inputs,
        })),
      ),
  },
];
