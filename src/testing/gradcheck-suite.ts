/**
 * The checks behind `stieltjes gradcheck`: every row of the primitive table on its generated cases, and,
 * for a model, the gradient of a random projection of the output with respect to the input and
 * to every named activation. Each row reports the worst error relative to its tolerance.
 */
import fc from 'fast-check';
import type { Backend } from '../kernels/backend.js';
import type { SequentialModel } from '../models/sequential.js';
import { preprocess } from '../models/preprocessing.js';
import { noGrad } from '../autograd/tape.js';
import * as op from '../autograd/ops.js';
import { fromArray } from '../tensor/creation.js';
import { cpuBackend } from '../kernels/cpu/cpu-backend.js';
import { Random } from '../tensor/random.js';
import { scope } from '../tensor/scope.js';
import { Tensor } from '../tensor/tensor.js';
import { checkGrads, type CheckGradsReport } from './check-grads.js';
import { selectRows } from './primitive-table.js';

export interface GradcheckRow {
  /** The primitive, or `model:<layer>` / `model:input`. */
  name: string;
  checks: number;
  /** The worst check: its error, its tolerance, and error / tolerance. */
  error: number;
  tolerance: number;
  ratio: number;
  ok: boolean;
  /** What the worst check compared (direction, element, float32). */
  detail: string;
}

function row(name: string, reports: CheckGradsReport[]): GradcheckRow {
  let worst = reports[0]!;
  for (const r of reports) if (r.worstRatio > worst.worstRatio) worst = r;
  const w = worst.worst;
  return {
    name,
    checks: reports.reduce((n, r) => n + r.checks, 0),
    error: w?.error ?? 0,
    tolerance: w?.tolerance ?? 0,
    ratio: worst.worstRatio,
    ok: reports.every((r) => r.ok),
    detail: w ? `${w.check}${w.index !== undefined ? ` #${w.index}` : ''}` : '',
  };
}

export interface PrimitiveSuiteOptions {
  backend?: Backend;
  seed?: number;
  /** Generated cases per primitive (default 20). */
  runs?: number;
  /** Only primitives whose name contains this. */
  filter?: string;
  onRow?: (r: GradcheckRow) => void;
}

export async function checkPrimitives(opts: PrimitiveSuiteOptions = {}): Promise<GradcheckRow[]> {
  const rows: GradcheckRow[] = [];
  const cpu = cpuBackend();
  for (const c of selectRows()) {
    if (opts.filter && !c.name.includes(opts.filter)) continue;
    const samples = fc.sample(c.cases, { numRuns: opts.runs ?? 20, seed: opts.seed ?? 0 });
    const reports: CheckGradsReport[] = [];
    for (const s of samples) {
      const inputs = s.inputs.map((x) => Tensor.fromStorage(cpu, cpu.upload(x.values, 'float64'), x.shape, 'float64'));
      try {
        reports.push(await checkGrads(s.f, inputs, { backend: opts.backend, seed: opts.seed, ...c.tolerance }));
      } finally {
        for (const t of inputs) t.dispose();
      }
    }
    const r = row(c.name, reports);
    rows.push(r);
    opts.onRow?.(r);
  }
  return rows;
}

export interface ModelSuiteOptions {
  /** The same model in float32 on the backend under test (default: the float32 check is skipped). */
  backendModel?: SequentialModel;
  seed?: number;
  /** Random directions per layer (default 2). */
  directions?: number;
  /** Only these layers (default: every layer but the last). */
  layers?: readonly string[];
  onRow?: (r: GradcheckRow) => void;
}

/**
 * `model64` must be a float64 model on the CPU. The point of each check is the activation of a
 * seeded random input, nudged by tiny distinct offsets so that ReLU zeros and max-pool windows
 * are not exactly tied (finite differences are meaningless at a tie).
 */
export async function checkModelGradients(model64: SequentialModel, opts: ModelSuiteOptions = {}): Promise<GradcheckRow[]> {
  const rng = new Random(opts.seed ?? 0);
  const [H, W, C] = model64.inputShape;
  const pixels = Float64Array.from({ length: H * W * C }, () => rng.uniform(0, 255));
  const x = scope(() => noGrad(() => fromArray(pixels, [1, H, W, C], { dtype: 'float64' })));
  const rows: GradcheckRow[] = [];
  const layers = ['(input)', ...(opts.layers ?? model64.layerNames.slice(0, -1))];
  try {
    const input = scope(() => noGrad(() => preprocess(model64.preprocessing, x)));
    for (const layer of layers) {
      const from = layer === '(input)' ? undefined : layer;
      // On a graph, a run from a layer that skip connections bypass is also given their outputs
      // (held fixed: the check is of the partial derivative with respect to the layer's output).
      const bypass = from ? (model64.headInputs?.(from) ?? []) : [];
      const { point, given } = scope(() =>
        noGrad(() => {
          const r = from ? model64.run(input, { until: from, capture: bypass }) : { output: input, activations: new Map<string, Tensor>() };
          const a = r.output;
          const scale = Array.from(a.dataSync()).reduce((m, v) => Math.max(m, Math.abs(v)), 1e-6);
          const jitter = Float64Array.from({ length: a.size }, () => rng.uniform(0, 1e-3 * scale));
          return { point: op.add(a, fromArray(jitter, a.shape, { dtype: 'float64' })), given: r.activations };
        }),
      );
      const backendGiven = new Map<string, Tensor>();
      if (opts.backendModel) {
        for (const [n, t] of given) backendGiven.set(n, fromArray(Float32Array.from(t.dataSync()), t.shape, { backend: opts.backendModel.backend }));
      }
      try {
        const f = (a: Tensor): Tensor => model64.run(a, { from, given }).output;
        const fb = opts.backendModel ? (a: Tensor): Tensor => opts.backendModel!.run(a, { from, given: backendGiven }).output : undefined;
        const report = await checkGrads(f, [point], {
          directions: opts.directions ?? 2,
          elementwiseUpTo: 0,
          backend: opts.backendModel?.backend,
          backendFn: fb,
          seed: opts.seed,
          float32Rtol: 2e-2,
          float32Atol: 2e-3,
        });
        const r = row(from ? `model:${from}` : 'model:input', [report]);
        rows.push(r);
        opts.onRow?.(r);
      } finally {
        point.dispose();
        for (const t of [...given.values(), ...backendGiven.values()]) t.dispose();
      }
    }
    input.dispose();
  } finally {
    x.dispose();
  }
  return rows;
}
