/**
 * Elementwise kernels (unary, broadcasting binary, where) from one generator: an expression over
 * v0, v1, v2 evaluated per output element, each input read linearly, as a broadcast scalar or
 * through strides (0 along broadcast axes). When every input is linear or scalar and the size is
 * a multiple of 4, each invocation handles one vec4 (one load and store instruction instead of
 * four), which is most of the cost of these memory-bound kernels.
 */
import type { BinaryOp, TensorInfo, UnaryOp } from '../../backend.js';
import { sizeOf, type Shape } from '../../../tensor/shape.js';
import type { GpuExecutor } from '../executor.js';
import { runFlat } from '../flat-pieces.js';
import { asGpuStorage, type GpuStorage } from '../gpu-storage.js';
import { addressing, broadcastStrides, collapse, contiguousStrides, decomposeWgsl, offsetWgsl, type Addressing } from '../strided-index.js';
import { FLAT_WORKGROUP, flatEntry } from '../wgsl.js';

/** An op as WGSL: `expr(T, v)` with T the value type ('f32' or 'vec4<f32>'); null when it has no vec4 form. */
interface OpCode {
  expr: (T: string, v: readonly string[]) => string | null;
  helpers?: string;
}

const POW_HELPER = `
fn pow_js(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (a > 0.0) { return pow(a, b); }
  if (a == 0.0) { return select(f32_inf(), 0.0, b > 0.0); }
  if (floor(b) != b) { return f32_nan(); }
  let m = pow(-a, b);
  return select(m, -m, abs(b) % 2.0 == 1.0);
}`;

export const UNARY_CODE: Record<UnaryOp, OpCode> = {
  neg: { expr: (_, [a]) => `-${a}` },
  exp: { expr: (_, [a]) => `exp(${a})` },
  log: { expr: (_, [a]) => `log(${a})` },
  sqrt: { expr: (_, [a]) => `sqrt(${a})` },
  abs: { expr: (_, [a]) => `abs(${a})` },
  // Written as a select on `< 0` so that NaN stays NaN, as on the CPU.
  relu: { expr: (T, [a]) => `select(${a}, ${T}(0.0), ${a} < ${T}(0.0))` },
  step: { expr: (T, [a]) => `select(${T}(0.0), ${T}(1.0), ${a} > ${T}(0.0))` },
  sign: { expr: (_, [a]) => `sign(${a})` },
};

export const BINARY_CODE: Record<BinaryOp, OpCode> = {
  add: { expr: (_, [a, b]) => `${a} + ${b}` },
  sub: { expr: (_, [a, b]) => `${a} - ${b}` },
  mul: { expr: (_, [a, b]) => `${a} * ${b}` },
  div: { expr: (_, [a, b]) => `${a} / ${b}` },
  pow: {
    expr: (T, [a, b]) =>
      T === 'f32' ? `pow_js(${a}, ${b})` : `vec4<f32>(${[0, 1, 2, 3].map((i) => `pow_js(${a}[${i}], ${b}[${i}])`).join(', ')})`,
    helpers: POW_HELPER,
  },
  maximum: { expr: (_, [a, b]) => `max(${a}, ${b})` },
  minimum: { expr: (_, [a, b]) => `min(${a}, ${b})` },
  greater: { expr: (T, [a, b]) => `select(${T}(0.0), ${T}(1.0), ${a} > ${b})` },
  greaterEqual: { expr: (T, [a, b]) => `select(${T}(0.0), ${T}(1.0), ${a} >= ${b})` },
  equal: { expr: (T, [a, b]) => `select(${T}(0.0), ${T}(1.0), ${a} == ${b})` },
};

export const WHERE_CODE: OpCode = { expr: (T, [c, a, b]) => `select(${b}, ${a}, ${c} != ${T}(0.0))` };

const WG = 256;
const INPUT_NAMES = ['a', 'b', 'c'] as const;

/**
 * Runs `code` over `inputs` broadcast to `outShape`. `kernel` and `opName` name the method and
 * op in errors and in the pipeline key.
 */
export interface ElementwiseOp {
  kernel: string;
  opName: string;
  code: OpCode;
  inputs: readonly TensorInfo[];
  outShape: Shape;
}

export function elementwise(ex: GpuExecutor, e: ElementwiseOp): GpuStorage {
  const { kernel, opName, code, inputs, outShape } = e;
  const size = sizeOf(outShape);
  const label = `${kernel}(${opName}) ${inputs.map((t) => `[${t.shape.join(',')}]`).join(' ')} -> [${outShape.join(',')}]`;
  const stores = inputs.map((t, i) => {
    const s = asGpuStorage(kernel, t.storage);
    if (s.size !== sizeOf(t.shape)) throw new Error(`${label}: input ${i} holds ${s.size} elements, not ${sizeOf(t.shape)}`);
    return s;
  });
  for (const t of inputs) {
    if (t.shape.length > outShape.length || t.shape.some((d, i) => d !== 1 && d !== outShape[outShape.length - t.shape.length + i])) {
      throw new Error(`${label}: input [${t.shape.join(',')}] does not broadcast to [${outShape.join(',')}]`);
    }
  }
  const out = ex.alloc(size);
  if (size === 0) return out;

  const problem = collapse(outShape, [contiguousStrides(outShape), ...inputs.map((t) => broadcastStrides(t.shape, outShape))]);
  const modes: Addressing[] = inputs.map((_, i) => addressing(problem, i + 1));
  const rank = problem.shape.length;
  const vectorised = size % 4 === 0 && modes.every((m) => m !== 'strided') && code.expr('vec4<f32>', ['x', 'y', 'z']) !== null;
  const strided = modes.includes('strided');

  const params: [string, number][] = [];
  if (strided) problem.shape.forEach((d, i) => params.push([`d${i}`, d]));
  modes.forEach((m, k) => {
    if (m === 'strided') problem.strides[k + 1]!.forEach((st, i) => params.push([`${INPUT_NAMES[k]}s${i}`, st]));
  });
  runFlat(ex, {
    kernel,
    label,
    variant: `${opName}|${vectorised ? 'v4' : 's'}|${modes.join(',')}|r${strided ? rank : 0}`,
    shape: problem.shape.length > 0 ? problem.shape : [1],
    operands: [
      ...stores.map((st, i) => ({
        name: INPUT_NAMES[i]!,
        storage: st,
        mode: modes[i]!,
        strides: problem.strides[i + 1]!,
        base: 0,
        type: vectorised && modes[i] === 'linear' ? ('vec4' as const) : ('f32' as const),
      })),
      { name: 'out', storage: out, mode: 'linear', strides: [], base: 0, type: vectorised ? 'vec4' : 'f32', write: true },
    ],
    params,
    lanes: vectorised ? 4 : 1,
    workgroupSize: WG,
    body: () => {
      const T = vectorised ? 'vec4<f32>' : 'f32';
      const loads = modes.map((m, k) => {
        const n = INPUT_NAMES[k]!;
        if (m === 'scalar') return `let v${k} = ${T}(${n}_ld(p.${n}o));`;
        if (m === 'linear') return vectorised ? `let v${k} = ${n}_ld4(gid + p.${n}o);` : `let v${k} = ${n}_ld(gid + p.${n}o);`;
        return `let v${k} = ${n}_ld(${offsetWgsl(rank, n, false)} + p.${n}o);`;
      });
      const expr = code.expr(T, modes.map((_, k) => `v${k}`));
      return `${code.helpers ?? ''}
${FLAT_WORKGROUP}
${flatEntry(WG)} {
  let gid = p.start + flat_wg(wid, nwg) * ${WG}u + lid;
  if (gid >= p.end) { return; }
  ${strided ? decomposeWgsl(rank, '') : ''}
  ${loads.join('\n  ')}
  ${vectorised ? `out_st4(gid + p.outo, ${expr});` : `out_st(gid + p.outo, ${expr});`}
}`;
    },
  });
  return out;
}
