/**
 * The primitive table: one row per differentiable op of src/autograd/primitives, with its
 * forward (the exported op; its VJP is the rule that op records on the tape), generated cases
 * for its inputs, its tolerances and whether its VJP is itself differentiable. `stieltjes
 * gradcheck`, the cases of `checkGrads`' property suites, the double-gradient checks and the
 * backend conformance suite (conformance.ts) are all generated from it, so adding a primitive is
 * one file in src/autograd/primitives and one row here (test/autograd/primitive-table.test.ts
 * fails when an exported op has neither a row nor a reason in `notInTable`).
 */
import type fc from 'fast-check';
import * as op from '../autograd/ops.js';
import type { CheckGradsOptions } from './check-grads.js';
import type { GradCase } from './grad-property.js';
import * as cases from './primitive-arbitraries.js';

/** Tolerances as checkGrads takes them; absent ones keep checkGrads' defaults. */
export type Tolerance = Pick<CheckGradsOptions, 'rtol' | 'atol' | 'float32Rtol' | 'float32Atol'>;

/** One differentiable op: its forward, its cases, its tolerances, and whether it has a second-order rule. */
export interface PrimitiveRow {
  /** The op's name (as recorded on the tape and named in errors). */
  name: string;
  /** Its file in src/autograd/primitives. */
  source: string;
  /** The exported op. Its VJP is the rule it records (composites: the composition's). */
  forward: (...args: never[]) => unknown;
  /** Generated cases: the op with drawn options, and inputs kept off its kinks and ties. */
  cases: fc.Arbitrary<GradCase>;
  tolerance?: Tolerance;
  /**
   * Whether its VJP is itself differentiable. When false, the op records its rule with
   * `{ secondOrder: false }` and differentiating twice through it throws (checked per row).
   */
  secondOrder: boolean;
  /** Built from other rows' ops rather than a kernel of its own. */
  composite?: boolean;
}

/** Every differentiable op: elementwise first, then reductions, layout, products, windows, composites. */
export const primitiveTable: readonly PrimitiveRow[] = [
  { name: 'add', source: 'arithmetic.ts', forward: op.add, cases: cases.binaryCases(op.add), secondOrder: true },
  { name: 'sub', source: 'arithmetic.ts', forward: op.sub, cases: cases.binaryCases(op.sub), secondOrder: true },
  { name: 'mul', source: 'arithmetic.ts', forward: op.mul, cases: cases.binaryCases(op.mul), secondOrder: true },
  { name: 'div', source: 'arithmetic.ts', forward: op.div, cases: cases.binaryCases(op.div, { minAbs: 0.5 }), secondOrder: true },
  { name: 'neg', source: 'arithmetic.ts', forward: op.neg, cases: cases.unaryCases(op.neg), secondOrder: true },
  // Bases positive for the log in ∂/∂b, and away from 0 where a^(b−1) blows up.
  { name: 'pow', source: 'elementwise-binary.ts', forward: op.pow, cases: cases.binaryCases(op.pow, { positive: true, minAbs: 0.3 }), secondOrder: true },
  { name: 'maximum', source: 'elementwise-binary.ts', forward: op.maximum, cases: cases.binaryCases(op.maximum, { minGap: 0.05 }), secondOrder: true },
  { name: 'minimum', source: 'elementwise-binary.ts', forward: op.minimum, cases: cases.binaryCases(op.minimum, { minGap: 0.05 }), secondOrder: true },
  { name: 'exp', source: 'elementwise-unary.ts', forward: op.exp, cases: cases.unaryCases(op.exp), secondOrder: true },
  { name: 'log', source: 'elementwise-unary.ts', forward: op.log, cases: cases.unaryCases(op.log, { positive: true, minAbs: 0.2 }), secondOrder: true },
  { name: 'sqrt', source: 'elementwise-unary.ts', forward: op.sqrt, cases: cases.unaryCases(op.sqrt, { positive: true, minAbs: 0.2 }), secondOrder: true },
  { name: 'abs', source: 'elementwise-unary.ts', forward: op.abs, cases: cases.unaryCases(op.abs, { minAbs: 0.05 }), secondOrder: true },
  { name: 'relu', source: 'elementwise-unary.ts', forward: op.relu, cases: cases.unaryCases(op.relu, { minAbs: 0.05 }), secondOrder: true },
  { name: 'where', source: 'where.ts', forward: op.where, cases: cases.whereCases(), secondOrder: true },
  { name: 'sum', source: 'broadcast.ts', forward: op.sum, cases: cases.reductionCases(op.sum), secondOrder: true },
  { name: 'broadcastTo', source: 'broadcast.ts', forward: op.broadcastTo, cases: cases.broadcastToCases(), secondOrder: true },
  { name: 'mean', source: 'reduce.ts', forward: op.mean, cases: cases.reductionCases(op.mean), secondOrder: true, composite: true },
  { name: 'max', source: 'reduce.ts', forward: op.max, cases: cases.reductionCases(op.max, { minGap: 0.05 }), secondOrder: true },
  { name: 'min', source: 'reduce.ts', forward: op.min, cases: cases.reductionCases(op.min, { minGap: 0.05 }), secondOrder: true },
  { name: 'reshape', source: 'reshape.ts', forward: op.reshape, cases: cases.reshapeCases(), secondOrder: true },
  { name: 'transpose', source: 'layout.ts', forward: op.transpose, cases: cases.transposeCases(), secondOrder: true },
  { name: 'slice', source: 'layout.ts', forward: op.slice, cases: cases.sliceCases(), secondOrder: true },
  { name: 'pad', source: 'layout.ts', forward: op.pad, cases: cases.padCases(), secondOrder: true },
  { name: 'concat', source: 'layout.ts', forward: op.concat, cases: cases.concatCases(), secondOrder: true },
  { name: 'matmul', source: 'matmul.ts', forward: op.matmul, cases: cases.matmulCases(), secondOrder: true },
  { name: 'conv2d', source: 'conv2d.ts', forward: op.conv2d, cases: cases.conv2dCases(), secondOrder: true },
  { name: 'depthwiseConv2d', source: 'depthwise-conv2d.ts', forward: op.depthwiseConv2d, cases: cases.depthwiseConv2dCases(), secondOrder: true },
  // Its gradient routes dy to each window's first maximum with a kernel that has no adjoint here.
  { name: 'maxPool2d', source: 'pool.ts', forward: op.maxPool2d, cases: cases.poolCases(op.maxPool2d, { minGap: 0.02 }), secondOrder: false },
  { name: 'avgPool2d', source: 'pool.ts', forward: op.avgPool2d, cases: cases.poolCases(op.avgPool2d), secondOrder: true },
  { name: 'resizeBilinear', source: 'resize.ts', forward: op.resizeBilinear, cases: cases.resizeCases(), secondOrder: true },
  { name: 'softmax', source: 'softmax.ts', forward: op.softmax, cases: cases.axisCases(op.softmax), secondOrder: true, composite: true },
  { name: 'logSoftmax', source: 'softmax.ts', forward: op.logSoftmax, cases: cases.axisCases(op.logSoftmax), secondOrder: true, composite: true },
  { name: 'pickClasses', source: 'gather.ts', forward: op.pickClasses, cases: cases.pickClassesCases(), secondOrder: true, composite: true },
];

/** Exported ops that have no row, and why (the table's coverage test reads this). */
export const notInTable: Readonly<Record<string, string>> = {
  greater: 'a 0/1 comparison: no gradient',
  greaterEqual: 'a 0/1 comparison: no gradient',
  equal: 'a 0/1 comparison: no gradient',
  step: 'a 0/1 mask: no gradient',
  sign: 'piecewise constant: no gradient',
  scalarLike: 'a constant',
  fullLike: 'a constant',
  zerosLike: 'a constant',
  onesLike: 'a constant',
  sumTo: 'sum then reshape (both rows)',
  flatten: 'a reshape',
  expandDims: 'a reshape',
  squeeze: 'a reshape',
  split: 'slices',
  square: 'mul(x, x)',
  cast: 'changes only the dtype (the identity on values; its rule casts back)',
  toBackend: 'moves data between backends (async, not an op on the tape)',
  conv2dParams: 'parameter arithmetic, not an op',
  conv2dBackpropInput: "conv2d's VJP (its row checks it, and its second order)",
  conv2dBackpropFilter: "conv2d's VJP (its row checks it, and its second order)",
  depthwiseConv2dParams: 'parameter arithmetic, not an op',
  depthwiseConv2dBackpropInput: "depthwiseConv2d's VJP (its row checks it, and its second order)",
  depthwiseConv2dBackpropFilter: "depthwiseConv2d's VJP (its row checks it, and its second order)",
};

/** The rows whose name is in `only` (all rows when it is absent); an unknown name is an error. */
export function selectRows(only?: readonly string[]): readonly PrimitiveRow[] {
  if (!only) return primitiveTable;
  const unknown = only.filter((n) => !primitiveTable.some((r) => r.name === n));
  if (unknown.length) throw new Error(`no primitive named ${unknown.join(', ')}; the table has ${primitiveTable.map((r) => r.name).join(', ')}`);
  return primitiveTable.filter((r) => only.includes(r.name));
}

/** One generated gradient case per primitive: the table's name and cases (stieltjes/testing's earlier form). */
export interface PrimitiveCase {
  name: string;
  arb: fc.Arbitrary<GradCase>;
}

export const primitiveCases: PrimitiveCase[] = primitiveTable.map((r) => ({ name: r.name, arb: r.cases }));
