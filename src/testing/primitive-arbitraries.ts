/**
 * Generated cases for the primitive table (primitive-table.ts): for each kind of op, shapes it
 * accepts and values kept off its kinks and ties by construction (ReLU/abs away from 0, max and
 * max-pool inputs pairwise apart), with the op's options drawn too. Shapes stay small: the same
 * cases run on software GPUs that compile a pipeline per shape class.
 */
import fc from 'fast-check';
import * as op from '../autograd/ops.js';
import { broadcastShapes } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { broadcastPairArb, shapeArb, valuesArb, type ValueOptions } from './arbitraries.js';
import type { GradCase } from './grad-property.js';

type Inputs = { shape: number[]; values: Float64Array }[];

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

function withValues(shapes: number[][], opts: ValueOptions = {}): fc.Arbitrary<Inputs> {
  return fc.tuple(...shapes.map((s) => valuesArb(size(s), opts))).map((vals) => vals.map((values, i) => ({ shape: shapes[i]!, values })));
}

/** A case from a function of tensors (typed loosely: GradCase takes any arity). */
const gradCase = (f: (...xs: Tensor[]) => Tensor, inputs: Inputs): GradCase => ({ f, inputs });

/** Two broadcasting operands. */
export function binaryCases(f: (a: Tensor, b: Tensor) => Tensor, opts: ValueOptions = {}): fc.Arbitrary<GradCase> {
  return broadcastPairArb({ maxRank: 3 }).chain(([sa, sb]) => withValues([sa, sb], opts).map((inputs) => gradCase(f as never, inputs)));
}

export function unaryCases(f: (x: Tensor) => Tensor, opts: ValueOptions = {}): fc.Arbitrary<GradCase> {
  return shapeArb({ maxRank: 3 }).chain((s) => withValues([s], opts).map((inputs) => gradCase(f as never, inputs)));
}

/** where(a > threshold, a, b): the mask takes no gradient, and |a| ≥ 0.05 keeps it from flipping. */
export function whereCases(): fc.Arbitrary<GradCase> {
  return broadcastPairArb({ maxRank: 3 }).chain(([sa, sb]) =>
    fc.tuple(withValues([sa, sb], { minAbs: 0.05 }), fc.constantFrom(0, 0.5)).map(([inputs, threshold]) =>
      gradCase((a, b) => op.where(op.greater(a!, op.scalarLike(a!, threshold)), a!, b!), inputs),
    ),
  );
}

/** A reduction over a subset of axes (possibly none, possibly negative), with or without keepDims. */
export function reductionCases(f: (x: Tensor, axes: number[], opts: { keepDims: boolean }) => Tensor, opts: ValueOptions = {}): fc.Arbitrary<GradCase> {
  return shapeArb({ minRank: 1, maxRank: 4 }).chain((shape) =>
    fc.tuple(withValues([shape], opts), fc.subarray(shape.map((_, i) => i)), fc.boolean(), fc.boolean()).map(([inputs, axes, negative, keepDims]) =>
      gradCase((x) => f(x!, negative ? axes.map((a) => a - shape.length) : axes, { keepDims }), inputs),
    ),
  );
}

export function reshapeCases(): fc.Arbitrary<GradCase> {
  return shapeArb({ maxRank: 4 }).chain((s) => withValues([s]).map((inputs) => gradCase((x) => op.reshape(x!, [-1]), inputs)));
}

export function transposeCases(): fc.Arbitrary<GradCase> {
  return shapeArb({ minRank: 1, maxRank: 4 }).chain((s) =>
    fc
      .tuple(withValues([s]), fc.shuffledSubarray(s.map((_, i) => i), { minLength: s.length, maxLength: s.length }))
      .map(([inputs, perm]) => gradCase((x) => op.transpose(x!, perm), inputs)),
  );
}

export function sliceCases(): fc.Arbitrary<GradCase> {
  return shapeArb({ minRank: 1, maxRank: 4 }).chain((s) =>
    fc
      .tuple(withValues([s]), ...s.map((d) => fc.integer({ min: 0, max: d - 1 }).chain((b) => fc.tuple(fc.constant(b), fc.integer({ min: 1, max: d - b })))))
      .map(([inputs, ...bs]) => gradCase((x) => op.slice(x!, bs.map((p) => p[0]), bs.map((p) => p[1])), inputs)),
  );
}

export function padCases(): fc.Arbitrary<GradCase> {
  return shapeArb({ minRank: 1, maxRank: 3 }).chain((s) =>
    fc
      .tuple(withValues([s]), fc.array(fc.tuple(fc.nat(2), fc.nat(2)), { minLength: s.length, maxLength: s.length }), fc.double({ min: -1, max: 1, noNaN: true }))
      .map(([inputs, pads, value]) => gradCase((x) => op.pad(x!, pads, value), inputs)),
  );
}

/** Two or three tensors that differ along one axis only. */
export function concatCases(): fc.Arbitrary<GradCase> {
  return shapeArb({ minRank: 1, maxRank: 3 }).chain((s) =>
    fc.tuple(fc.integer({ min: 0, max: s.length - 1 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 3 })).chain(([axis, extra, count]) => {
      const shapes = Array.from({ length: count }, (_, i) => s.map((d, j) => (j === axis ? (i === 1 ? extra : d) : d)));
      return withValues(shapes).map((inputs) => gradCase((...xs) => op.concat(xs, axis), inputs));
    }),
  );
}

export function broadcastToCases(): fc.Arbitrary<GradCase> {
  return broadcastPairArb({ maxRank: 3 }).chain(([a, b]) => {
    const target = broadcastShapes('case', a, b);
    return withValues([a]).map((inputs) => gradCase((x) => op.broadcastTo(x!, target), inputs));
  });
}

/** Batched products with broadcasting batch axes and every transpose flag. */
export function matmulCases(): fc.Arbitrary<GradCase> {
  return fc
    .record({
      batchA: fc.constantFrom([], [1], [2], [2, 1]),
      batchB: fc.constantFrom([], [1], [2], [3, 2]),
      m: fc.integer({ min: 1, max: 4 }),
      k: fc.integer({ min: 1, max: 4 }),
      n: fc.integer({ min: 1, max: 4 }),
      ta: fc.boolean(),
      tb: fc.boolean(),
    })
    .filter(({ batchA, batchB }) => broadcasts(batchA, batchB))
    .chain(({ batchA, batchB, m, k, n, ta, tb }) => {
      const sa = [...batchA, ...(ta ? [k, m] : [m, k])];
      const sb = [...batchB, ...(tb ? [n, k] : [k, n])];
      return withValues([sa, sb]).map((inputs) => gradCase((a, b) => op.matmul(a!, b!, { transposeA: ta, transposeB: tb }), inputs));
    });
}

function broadcasts(a: readonly number[], b: readonly number[]): boolean {
  try {
    broadcastShapes('case', a, b);
    return true;
  } catch {
    return false;
  }
}

const nhwc = fc.record({
  n: fc.integer({ min: 1, max: 2 }),
  h: fc.integer({ min: 1, max: 7 }),
  w: fc.integer({ min: 1, max: 7 }),
  c: fc.integer({ min: 1, max: 3 }),
});

/** A convolution's window: kernel size, stride, dilation, three kinds of padding, with or without bias. */
const convWindow = {
  kh: fc.integer({ min: 1, max: 3 }),
  kw: fc.integer({ min: 1, max: 3 }),
  stride: fc.integer({ min: 1, max: 2 }),
  dilation: fc.integer({ min: 1, max: 2 }),
  padding: fc.constantFrom<'same' | 'valid' | 1>('same', 'valid', 1),
  bias: fc.boolean(),
};

/** Whether the dilated kernel fits the (padded) input at least once. */
function windowFits(c: { x: { h: number; w: number }; kh: number; kw: number; dilation: number; padding: 'same' | 'valid' | 1 }): boolean {
  const extra = c.padding === 'valid' ? 0 : c.padding === 1 ? 2 : Infinity;
  return c.x.h + extra >= (c.kh - 1) * c.dilation + 1 && c.x.w + extra >= (c.kw - 1) * c.dilation + 1;
}

/** Convolutions with strides, dilations, three kinds of padding, with and without bias. */
export function conv2dCases(): fc.Arbitrary<GradCase> {
  return fc
    .record({ x: nhwc, cout: fc.integer({ min: 1, max: 3 }), ...convWindow })
    .filter(windowFits)
    .chain(({ x, kh, kw, cout, stride, dilation, padding, bias }) => {
      const shapes = [[x.n, x.h, x.w, x.c], [kh, kw, x.c, cout], ...(bias ? [[cout]] : [])];
      return withValues(shapes).map((inputs) =>
        gradCase((xi, w, b) => op.conv2d(xi!, w!, { strides: stride, dilations: dilation, padding, bias: b ?? null }), inputs),
      );
    });
}

/**
 * Depthwise convolutions: conv2d's geometry with depth multipliers of 1–2, half the cases with 4
 * or 8 channels and multiplier 1 (the WebAssembly backend's SIMD kernel), the others with 1–3
 * channels (its fallback). The fused ReLU is left out, as in conv2d's cases: random values
 * cannot be kept off its kink; test/autograd/depthwise-conv2d.test.ts checks it.
 */
export function depthwiseConv2dCases(): fc.Arbitrary<GradCase> {
  const simd = fc.record({ c: fc.constantFrom(4, 8), m: fc.constant(1) });
  const other = fc.record({ c: fc.integer({ min: 1, max: 3 }), m: fc.integer({ min: 1, max: 2 }) });
  return fc
    .record({
      x: fc.record({ n: fc.integer({ min: 1, max: 2 }), h: fc.integer({ min: 1, max: 6 }), w: fc.integer({ min: 1, max: 6 }) }),
      ch: fc.oneof(simd, other),
      ...convWindow,
    })
    .filter(windowFits)
    .chain(({ x, ch, kh, kw, stride, dilation, padding, bias }) => {
      const shapes = [[x.n, x.h, x.w, ch.c], [kh, kw, ch.c, ch.m], ...(bias ? [[ch.c * ch.m]] : [])];
      return withValues(shapes).map((inputs) =>
        gradCase((xi, w, b) => op.depthwiseConv2d(xi!, w!, { strides: stride, dilations: dilation, padding, bias: b ?? null }), inputs),
      );
    });
}

/** Pooling windows of 1–3 with strides of 1–3, 'same' or 'valid'. */
export function poolCases(pool: typeof op.maxPool2d, opts: ValueOptions = {}): fc.Arbitrary<GradCase> {
  return fc
    .record({ x: nhwc, k: fc.integer({ min: 1, max: 3 }), s: fc.integer({ min: 1, max: 3 }), padding: fc.constantFrom('same' as const, 'valid' as const) })
    .filter(({ x, k, padding }) => padding === 'same' || (x.h >= k && x.w >= k))
    .chain(({ x, k, s, padding }) =>
      withValues([[x.n, x.h, x.w, x.c]], opts).map((inputs) => gradCase((xi) => pool(xi!, { window: k, strides: s, padding }), inputs)),
    );
}

export function resizeCases(): fc.Arbitrary<GradCase> {
  return fc
    .record({ x: nhwc, oh: fc.integer({ min: 1, max: 9 }), ow: fc.integer({ min: 1, max: 9 }) })
    .chain(({ x, oh, ow }) => withValues([[x.n, x.h, x.w, x.c]]).map((inputs) => gradCase((xi) => op.resizeBilinear(xi!, [oh, ow]), inputs)));
}

/** softmax-like ops along any axis (negative ones too), over logits up to ±4. */
export function axisCases(f: (x: Tensor, axis: number) => Tensor): fc.Arbitrary<GradCase> {
  return shapeArb({ minRank: 1, maxRank: 3 }).chain((s) =>
    fc.tuple(withValues([s], { range: 4 }), fc.integer({ min: -s.length, max: s.length - 1 })).map(([inputs, axis]) => gradCase((x) => f(x!, axis), inputs)),
  );
}

export function pickClassesCases(): fc.Arbitrary<GradCase> {
  return fc
    .record({ b: fc.integer({ min: 1, max: 3 }), k: fc.integer({ min: 1, max: 5 }) })
    .chain(({ b, k }) =>
      fc
        .tuple(withValues([[b, k]]), fc.array(fc.integer({ min: 0, max: k - 1 }), { minLength: b, maxLength: b }))
        .map(([inputs, classes]) => gradCase((x) => op.pickClasses(x!, classes), inputs)),
    );
}
