/**
 * The backend conformance suite: every row of the primitive table, forward and VJP, in float32 on
 * the backend under test against the float64 CPU oracle on the same (float32-rounded) inputs and
 * the same output cotangent. A new backend registers once:
 *
 *   const rows = await runConformance(() => createMyBackend(), { runs: 3 });
 *
 * The oracle itself is checked against finite differences by the table's CPU property suites
 * (test/autograd/primitives-cpu.test.ts, second-order.test.ts), so this suite does no finite
 * differences: it costs one forward and one backward pass per case on each side (and a double
 * backward pass with `secondOrder`).
 */
import fc from 'fast-check';
import { vjp } from '../autograd/functional.js';
import type { Backend } from '../kernels/backend.js';
import { cpuBackend } from '../kernels/cpu/cpu-backend.js';
import { Random } from '../tensor/random.js';
import { scope } from '../tensor/scope.js';
import { Tensor } from '../tensor/tensor.js';
import type { GradCase } from './grad-property.js';
import { selectRows, type PrimitiveRow } from './primitive-table.js';
import { projectedVjp } from './second-order.js';

/** Which primitives runConformance checks, on how many generated cases, and a per-row callback. */
export interface ConformanceOptions {
  /** Generated cases per primitive (default 3). */
  runs?: number;
  /** fast-check seed of the cases (default 0). */
  seed?: number;
  /** Only these primitives (by table name). */
  only?: readonly string[];
  /**
   * Also the second order (default false): for rows with a second-order rule, the gradient of
   * the case's projected VJP (see projectedVjp), which runs the backend's kernels in the roles
   * only a double backward pass gives them (a filter gradient as an input gradient's adjoint).
   */
  secondOrder?: boolean;
  /** Called after each primitive, e.g. to report progress. */
  onRow?: (row: ConformanceRow) => void | Promise<void>;
}

/** The worst element of one primitive's cases, for the forward value or for the VJP. */
export interface ConformanceRow {
  name: string;
  cases: number;
  /** Elements compared (values and cotangents together). */
  checks: number;
  ok: boolean;
  /** error / tolerance of the worst element (≤ 1 passes). */
  ratio: number;
  /** What the worst element was: 'value #3', 'd/dx1 #0', 'second order d/dx0 #2'. */
  worst: string;
  error: number;
  tolerance: number;
}

/** The backend under test, or a function that makes it (called once). */
export type ConformanceBackend = Backend | (() => Backend | Promise<Backend>);

/** Every primitive's forward and VJP in float32 on the backend against the float64 CPU oracle: one row per primitive. */
export async function runConformance(backend: ConformanceBackend, opts: ConformanceOptions = {}): Promise<ConformanceRow[]> {
  const be = typeof backend === 'function' ? await backend() : backend;
  const rows: ConformanceRow[] = [];
  for (const row of selectRows(opts.only)) {
    const samples = fc.sample(row.cases, { numRuns: opts.runs ?? 3, seed: opts.seed ?? 0 });
    const result: ConformanceRow = { name: row.name, cases: samples.length, checks: 0, ok: true, ratio: 0, worst: '', error: 0, tolerance: 0 };
    for (const [i, c] of samples.entries()) {
      const [ours, oracle] = [await evaluate(be, 'float32', c, i), await evaluate(cpuBackend(), 'float64', c, i)];
      compare(result, row, ours, oracle, '');
      if (opts.secondOrder && row.secondOrder) {
        const c2: GradCase = { f: projectedVjp(c.f, i), inputs: c.inputs };
        compare(result, row, await evaluate(be, 'float32', c2, i), await evaluate(cpuBackend(), 'float64', c2, i), 'second order ');
      }
    }
    rows.push(result);
    await opts.onRow?.(result);
  }
  return rows;
}

/** The value and every argument's cotangent, as float64 arrays: [value, d/dx0, d/dx1, ...]. */
async function evaluate(be: Backend, dtype: 'float32' | 'float64', c: GradCase, caseIndex: number): Promise<Float64Array[]> {
  const outs = scope(() => {
    // Both sides start from the float32-rounded inputs, so only the kernels differ.
    const xs = c.inputs.map((x) => Tensor.fromStorage(be, be.upload(asDtype(Float32Array.from(x.values), dtype), dtype), x.shape, dtype));
    const r = vjp(c.f, ...xs);
    const rng = new Random(1000 + caseIndex);
    const u = Float32Array.from({ length: r.value.size }, () => rng.normal());
    const dy = Tensor.fromStorage(be, be.upload(asDtype(u, dtype), dtype), r.value.shape, dtype);
    return [r.value, ...r.pullback(dy)];
  });
  try {
    return await Promise.all(outs.map(async (t) => Float64Array.from(await t.data())));
  } finally {
    for (const t of outs) t.dispose();
  }
}

function asDtype(v: Float32Array, dtype: 'float32' | 'float64'): Float32Array | Float64Array {
  return dtype === 'float32' ? v : Float64Array.from(v);
}

/** Element by element: |ours − oracle| ≤ rtol·|oracle| + atol·max|oracle of that tensor|. */
function compare(result: ConformanceRow, row: PrimitiveRow, ours: Float64Array[], oracle: Float64Array[], label: string): void {
  const rtol = row.tolerance?.float32Rtol ?? 2e-3;
  const atol = row.tolerance?.float32Atol ?? 1e-4;
  oracle.forEach((ref, t) => {
    const got = ours[t]!;
    const what = `${label}${t === 0 ? 'value' : `d/dx${t - 1}`}`;
    if (got.length !== ref.length) {
      Object.assign(result, { ok: false, ratio: Infinity, worst: `${what}: ${got.length} elements, the oracle has ${ref.length}` });
      return;
    }
    const scale = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    ref.forEach((r, k) => {
      result.checks++;
      const error = Math.abs(got[k]! - r);
      const tolerance = rtol * Math.abs(r) + atol * scale;
      const ratio = tolerance > 0 ? error / tolerance : error === 0 ? 0 : Infinity;
      // NaN compares false: it becomes the worst.
      if (!(ratio <= result.ratio)) Object.assign(result, { ratio: Number.isNaN(ratio) ? Infinity : ratio, worst: `${what} #${k}`, error, tolerance });
    });
  });
  result.ok = result.ratio <= 1;
}
