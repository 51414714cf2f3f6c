/**
 * Reductions (sum / max / min). After merging axes, a reduction whose reduced axes form one block
 * is a reduction of a [O, R, I] array over R; otherwise the input is first transposed so that the
 * reduced axes come last ([O, R, 1]). Two kernels then cover every case:
 * - rows (I = 1): one workgroup per output and segment of the row, each invocation accumulating
 *   a strided part, then a tree reduction in workgroup memory;
 * - columns (I > 1): one invocation per output column and segment, accumulating serially
 *   (neighbouring invocations read neighbouring addresses).
 * When R is long and there are few outputs, R is cut into segments that produce partial results
 * [O, S, I], reduced again until S = 1 — this keeps enough invocations busy and shortens the
 * serial float32 sums.
 */
import type { ReduceOp, TensorInfo } from '../../backend.js';
import { sizeOf } from '../../../tensor/shape.js';
import type { GpuExecutor } from '../executor.js';
import { asGpuStorage, type GpuStorage } from '../gpu-storage.js';
import { f32Literal } from '../wgsl.js';
import { fill, transpose } from './layout.js';

const IDENTITY: Record<ReduceOp, number> = { sum: 0, max: -Infinity, min: Infinity };
const COMBINE: Record<ReduceOp, (a: string, b: string) => string> = {
  sum: (a, b) => `${a} + ${b}`,
  max: (a, b) => `max(${a}, ${b})`,
  min: (a, b) => `min(${a}, ${b})`,
};

const ROW_WG = 128;
const COL_WG = 64;
/** Longest stretch one invocation (columns) or one workgroup (rows) reduces in one pass. */
const COL_SEGMENT = 256;
const ROW_SEGMENT = ROW_WG * 32;

export function reduce(ex: GpuExecutor, op: ReduceOp, x: TensorInfo, axes: readonly number[]): GpuStorage {
  const k = `webgpu.reduce(${op})`;
  const label = `${k} [${x.shape.join(',')}] axes [${axes.join(',')}]`;
  const src = asGpuStorage(k, x.storage);
  if (!(op in IDENTITY)) throw new Error(`${label}: unknown reduction`);
  const rank = x.shape.length;
  for (let i = 0; i < axes.length; i++) {
    const a = axes[i]!;
    if (!Number.isInteger(a) || a < 0 || a >= rank || (i > 0 && a <= axes[i - 1]!)) {
      throw new Error(`${label}: axes must be sorted, unique and within rank ${rank}`);
    }
  }
  const reduced = new Set(axes);
  const outSize = sizeOf(x.shape.filter((_, i) => !reduced.has(i)));
  const R = sizeOf(x.shape.filter((_, i) => reduced.has(i)));
  if (outSize === 0) return ex.alloc(0);
  if (R === 0) return fill(ex, outSize, IDENTITY[op]);

  // Blocks of consecutive non-trivial axes, tagged reduced or kept.
  const blocks: { reduced: boolean; size: number }[] = [];
  x.shape.forEach((d, i) => {
    if (d === 1) return;
    const r = reduced.has(i);
    const last = blocks[blocks.length - 1];
    if (last && last.reduced === r) last.size *= d;
    else blocks.push({ reduced: r, size: d });
  });
  const reducedBlocks = blocks.filter((b) => b.reduced).length;
  if (reducedBlocks === 0) {
    // Only size-1 axes are reduced: a copy.
    const out = ex.alloc(outSize);
    ex.copyStorage(k, src, out);
    return out;
  }
  if (reducedBlocks === 1) {
    const at = blocks.findIndex((b) => b.reduced);
    const O = blocks.slice(0, at).reduce((n, b) => n * b.size, 1);
    const I = blocks.slice(at + 1).reduce((n, b) => n * b.size, 1);
    return reduceORI(ex, { op, label, src, O, R, I, ownsSrc: false });
  }
  // Scattered reduced axes: move them last, then reduce rows.
  const perm = [...x.shape.keys()].filter((i) => !reduced.has(i)).concat(axes);
  const moved = transpose(ex, x, perm);
  try {
    return reduceORI(ex, { op, label, src: moved, O: outSize, R, I: 1, ownsSrc: false });
  } finally {
    ex.free(moved);
  }
}

/** Sums split-K partial results [S, size] into [size], freeing the partials. */
export function sumSegments(ex: GpuExecutor, label: string, partials: GpuStorage, S: number, size: number): GpuStorage {
  return reduceORI(ex, { op: 'sum', label: `${label} (split-K sum)`, src: partials, O: 1, R: S, I: size, ownsSrc: true });
}

/** Reduces src viewed as [O, R, I] over R; frees src afterwards when `ownsSrc`. */
function reduceORI(
  ex: GpuExecutor, r: { op: ReduceOp; label: string; src: GpuStorage; O: number; R: number; I: number; ownsSrc: boolean },
): GpuStorage {
  const { op, label, src, O, R, I, ownsSrc } = r;
  const segment = I === 1 ? ROW_SEGMENT : COL_SEGMENT;
  const S = Math.ceil(R / segment);
  const out = ex.alloc(O * S * I);
  if (I === 1) rowPass(ex, { op, label, src, out, O, R, S, segment });
  else colPass(ex, { op, label, src, out, O, R, I, S, segment });
  if (ownsSrc) ex.free(src);
  return S === 1 ? out : reduceORI(ex, { op, label, src: out, O, R: S, I, ownsSrc: true });
}

/** One pass of a reduction: [O, R, I] → [O, S, I], each of the S segments summing `segment` of R. */
interface ReducePass {
  op: ReduceOp;
  label: string;
  src: GpuStorage;
  out: GpuStorage;
  O: number;
  R: number;
  I?: number;
  S: number;
  segment: number;
}

function rowPass(ex: GpuExecutor, r: ReducePass): void {
  const { op, label, src, out, O, R, S, segment } = r;
  const combine = COMBINE[op];
  // Workgroups: one per (output, segment), laid out in a 2-D grid.
  ex.dispatch({
    kernel: 'webgpu.reduce',
    label,
    variant: `rows|${op}`,
    operands: [
      { name: 'x', storage: src },
      { name: 'out', storage: out, write: true },
    ],
    params: [
      ['O', O],
      ['R', R],
      ['S', S],
      ['seg', segment],
    ],
    workgroups: ex.grid(O * S),
    body: () => `
var<workgroup> partial: array<f32, ${ROW_WG}>;
@compute @workgroup_size(${ROW_WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let w = wid.x + wid.y * nwg.x;
  let valid = w < p.O * p.S;
  let o = w / p.S;
  let s = w - o * p.S;
  let start = s * p.seg;
  let end = min(start + p.seg, p.R);
  var acc = ${f32Literal(IDENTITY[op])};
  if (valid) {
    for (var r = start + lid; r < end; r += ${ROW_WG}u) {
      acc = ${combine('acc', 'x_ld(o * p.R + r)')};
    }
  }
  partial[lid] = acc;
  workgroupBarrier();
  for (var half = ${ROW_WG / 2}u; half > 0u; half = half >> 1u) {
    if (lid < half) { partial[lid] = ${combine('partial[lid]', 'partial[lid + half]')}; }
    workgroupBarrier();
  }
  if (valid && lid == 0u) { out_st(w, partial[0]); }
}`,
  });
}

function colPass(ex: GpuExecutor, r: ReducePass & { I: number }): void {
  const { op, label, src, out, O, R, I, S, segment } = r;
  const combine = COMBINE[op];
  const total = O * S * I;
  ex.dispatch({
    kernel: 'webgpu.reduce',
    label,
    variant: `cols|${op}`,
    operands: [
      { name: 'x', storage: src },
      { name: 'out', storage: out, write: true },
    ],
    params: [
      ['total', total],
      ['R', R],
      ['I', I],
      ['S', S],
      ['seg', segment],
    ],
    workgroups: ex.grid(Math.ceil(total / COL_WG)),
    body: () => `
@compute @workgroup_size(${COL_WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let gid = (wid.x + wid.y * nwg.x) * ${COL_WG}u + lid;
  if (gid >= p.total) { return; }
  // gid enumerates [O, S, I] row-major.
  let i = gid % p.I;
  let os = gid / p.I;
  let s = os % p.S;
  let o = os / p.S;
  let start = s * p.seg;
  let end = min(start + p.seg, p.R);
  var acc = ${f32Literal(IDENTITY[op])};
  var idx = (o * p.R + start) * p.I + i;
  for (var r = start; r < end; r++) {
    acc = ${combine('acc', 'x_ld(idx)')};
    idx += p.I;
  }
  out_st(gid, acc);
}`,
  });
}
