/**
 * Gradient checking for any function built from stieltjes ops: the VJP is compared with central
 * finite differences in float64 on the CPU backend, along random directions (as JAX's
 * check_grads does) and, for small inputs, element by element; optionally, the float32 VJP on
 * another backend is compared with the float64 one.
 */
import { vjp } from '../autograd/functional.js';
import '../autograd/ops.js';
import type { Backend } from '../kernels/backend.js';
import { cpuBackend } from '../kernels/cpu/cpu-backend.js';
import { Random } from '../tensor/random.js';
import { scope } from '../tensor/scope.js';
import { formatShape, type Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

export type GradFn = (...xs: Tensor[]) => Tensor;

export interface CheckGradsOptions {
  /** Random directions to test (default 3). */
  directions?: number;
  /** Inputs with at most this many elements are also checked element by element (default 64). */
  elementwiseUpTo?: number;
  /** Finite-difference step, relative to max(1, |x|) (default 1e-6). */
  eps?: number;
  /** Tolerances for float64 VJP vs finite differences (defaults 1e-5 relative, 1e-7 absolute). */
  rtol?: number;
  atol?: number;
  /** Also run in float32 on this backend and compare with the float64 VJP. */
  backend?: Backend;
  /**
   * The function to run on `backend` in float32, when f itself cannot (e.g. f closes over a
   * float64 model on the CPU and this is the same model's float32 copy there). Default: f.
   */
  backendFn?: GradFn;
  /** Tolerances for float32 vs float64 (defaults 2e-3 relative, scaled by `float32Scale`). */
  float32Rtol?: number;
  float32Atol?: number;
  /** Seed for directions and the output cotangent (default 0). */
  seed?: number;
}

export interface GradMismatch {
  check: 'direction' | 'element' | 'float32';
  /** Which argument (element checks and float32) or direction index. */
  input: number;
  /** Flat element index (element and float32 checks). */
  index?: number;
  analytic: number;
  reference: number;
  error: number;
  tolerance: number;
}

export interface CheckGradsReport {
  ok: boolean;
  /** The largest error relative to its tolerance, over all checks. */
  worst: GradMismatch | null;
  /** error / tolerance of the worst check (≤ 1 passes). */
  worstRatio: number;
  checks: number;
}

/**
 * Checks the VJP of f at `inputs`. Returns a report; use `assertGrads` to throw on failure with a
 * readable message.
 */
export async function checkGrads(f: GradFn, inputs: readonly (Tensor | Float64Array | number[])[], opts: CheckGradsOptions = {}): Promise<CheckGradsReport> {
  const cpu = cpuBackend();
  const rng = new Random(opts.seed ?? 0);
  const rtol = opts.rtol ?? 1e-5;
  const atol = opts.atol ?? 1e-7;
  const eps = opts.eps ?? 1e-6;
  const xs = await Promise.all(inputs.map((x) => toFloat64(x)));
  const shapes = xs.map((x) => x.shape);
  const values = xs.map((x) => x.values);

  // f in float64 at given values → output values.
  const evaluate = (vals: Float64Array[]): Float64Array =>
    scope(() => {
      const ts = vals.map((v, i) => Tensor.fromStorage(cpu, cpu.upload(v, 'float64'), shapes[i]!, 'float64'));
      return cpu.readSync!(f(...ts)) as Float64Array;
    });

  const y0 = evaluate(values);
  const u = new Float64Array(y0.length).map(() => rng.normal());
  const analytic = scope(() => {
    const ts = values.map((v, i) => Tensor.fromStorage(cpu, cpu.upload(v, 'float64'), shapes[i]!, 'float64'));
    const r = vjp(f, ...ts);
    const yShape = r.value.shape;
    const dy = Tensor.fromStorage(cpu, cpu.upload(u, 'float64'), yShape, 'float64');
    return r.pullback(dy).map((g) => cpu.readSync!(g) as Float64Array);
  });

  const mismatches: GradMismatch[] = [];
  let checks = 0;
  const consider = (m: Omit<GradMismatch, 'tolerance' | 'error'>, tol: { rtol: number; atol: number }): void => {
    checks++;
    const error = Math.abs(m.analytic - m.reference);
    const tolerance = tol.atol + tol.rtol * Math.max(Math.abs(m.analytic), Math.abs(m.reference));
    mismatches.push({ ...m, error, tolerance });
  };
  const uDot = (y: Float64Array): number => y.reduce((s, v, i) => s + v * u[i]!, 0);

  // Directional derivatives: <u, (f(x+εv) − f(x−εv)) / 2ε> against Σ_i <g_i, v_i>.
  const directions = opts.directions ?? 3;
  for (let d = 0; d < directions; d++) {
    // A unit direction (over all arguments together): the step moves the point by h in L2,
    // however many elements there are, so it does not cross ReLU kinks in large inputs.
    const v = values.map((x) => new Float64Array(x.length).map(() => rng.normal()));
    const norm = Math.sqrt(v.reduce((s, a) => s + a.reduce((t, e) => t + e * e, 0), 0)) || 1;
    for (const a of v) for (let k = 0; k < a.length; k++) a[k] = a[k]! / norm;
    const h = eps * Math.max(1, ...values.map((x) => maxAbs(x)));
    const plus = evaluate(values.map((x, i) => x.map((e, k) => e + h * v[i]![k]!)));
    const minus = evaluate(values.map((x, i) => x.map((e, k) => e - h * v[i]![k]!)));
    const numeric = (uDot(plus) - uDot(minus)) / (2 * h);
    const predicted = analytic.reduce((s, g, i) => s + g.reduce((t, e, k) => t + e * v[i]![k]!, 0), 0);
    consider({ check: 'direction', input: d, analytic: predicted, reference: numeric }, { rtol, atol: atol * Math.sqrt(y0.length + 1) });
  }

  // Element by element for small inputs.
  const limit = opts.elementwiseUpTo ?? 64;
  values.forEach((x, i) => {
    if (x.length > limit) return;
    for (let k = 0; k < x.length; k++) {
      const h = eps * Math.max(1, Math.abs(x[k]!));
      const shifted = (delta: number): Float64Array[] => values.map((w, j) => (j === i ? w.map((e, q) => (q === k ? e + delta : e)) : w));
      const numeric = (uDot(evaluate(shifted(h))) - uDot(evaluate(shifted(-h)))) / (2 * h);
      consider({ check: 'element', input: i, index: k, analytic: analytic[i]![k]!, reference: numeric }, { rtol, atol });
    }
  });

  // float32 on the requested backend against the float64 VJP.
  if (opts.backend) {
    const be = opts.backend;
    const f32 = await scopeAsyncRead(be, opts.backendFn ?? f, values, shapes, u);
    const scale = Math.max(1e-30, ...analytic.map((g) => maxAbs(g)));
    f32.forEach((g, i) =>
      g.forEach((v, k) =>
        consider(
          { check: 'float32', input: i, index: k, analytic: v, reference: analytic[i]![k]! },
          { rtol: opts.float32Rtol ?? 2e-3, atol: (opts.float32Atol ?? 1e-4) * scale },
        ),
      ),
    );
  }

  let worst: GradMismatch | null = null;
  let worstRatio = 0;
  for (const m of mismatches) {
    const ratio = m.error / m.tolerance;
    if (!(ratio <= worstRatio)) {
      worstRatio = Number.isNaN(ratio) ? Infinity : ratio;
      worst = m;
    }
  }
  return { ok: worstRatio <= 1, worst, worstRatio, checks };
}

/** checkGrads, throwing an Error that shows the inputs, both gradients and the worst element. */
export async function assertGrads(f: GradFn, inputs: readonly (Tensor | Float64Array | number[])[], opts: CheckGradsOptions = {}): Promise<CheckGradsReport> {
  const report = await checkGrads(f, inputs, opts);
  if (!report.ok) throw new Error(await describeFailure(report, inputs));
  return report;
}

async function describeFailure(r: CheckGradsReport, inputs: readonly (Tensor | Float64Array | number[])[]): Promise<string> {
  const w = r.worst!;
  const xs = await Promise.all(inputs.map((x) => toFloat64(x)));
  const show = (v: Float64Array): string => `[${Array.from(v.slice(0, 12), (e) => +e.toPrecision(6)).join(', ')}${v.length > 12 ? ', …' : ''}]`;
  const what =
    w.check === 'direction'
      ? `directional derivative along random direction ${w.input}`
      : w.check === 'element'
        ? `element ${w.index} of argument ${w.input}`
        : `float32 gradient, element ${w.index} of argument ${w.input}`;
  return [
    `gradient check failed: ${what}`,
    `  VJP:       ${w.analytic}`,
    `  reference: ${w.reference} (${w.check === 'float32' ? 'float64 VJP' : 'central finite difference'})`,
    `  error ${w.error.toExponential(3)} > tolerance ${w.tolerance.toExponential(3)}`,
    ...xs.map((x, i) => `  argument ${i} ${formatShape(x.shape)}: ${show(x.values)}`),
  ].join('\n');
}

async function scopeAsyncRead(be: Backend, f: GradFn, values: Float64Array[], shapes: Shape[], u: Float64Array): Promise<Float64Array[]> {
  const grads = scope(() => {
    const ts = values.map((v, i) => Tensor.fromStorage(be, be.upload(Float32Array.from(v), 'float32'), shapes[i]!, 'float32'));
    const r = vjp(f, ...ts);
    const dy = Tensor.fromStorage(be, be.upload(Float32Array.from(u), 'float32'), r.value.shape, 'float32');
    return r.pullback(dy);
  });
  try {
    return await Promise.all(grads.map(async (g) => Float64Array.from(await g.data())));
  } finally {
    for (const g of grads) g.dispose();
  }
}

async function toFloat64(x: Tensor | Float64Array | number[]): Promise<{ shape: Shape; values: Float64Array }> {
  if (x instanceof Tensor) return { shape: x.shape, values: Float64Array.from(await x.data()) };
  return { shape: [x.length], values: Float64Array.from(x) };
}

function maxAbs(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]!));
  return m;
}
