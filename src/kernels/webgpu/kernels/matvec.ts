/**
 * Products with at most four rows: out [R, N] = A [R, K] · B with B [K, N], or B stored [N, K]
 * and used transposed. These are dense layers at batch 1–4 (VGG19's fc1 streams 411 MB of
 * weights for 205 MFLOP) and their input gradients, so the memory system is the limit: each
 * element of B is used R times. The GEMM kernels waste themselves here: the tiled kernel computes
 * 64 rows to keep one, and both leave too few workgroups along N to keep the memory channels busy
 * (1 × 4096 × 4096 ran at 157 GFLOP/s, 0.3 TB/s, on an H200 with 4.8 TB/s).
 *
 * Both kernels stream B once, as vec4s that neighbouring invocations read from neighbouring
 * addresses, and split K into segments until there are enough workgroups to fill the device;
 * the segments' partial products are summed afterwards (as the GEMM's split-K does).
 * - B [K, N] ("rows"): a workgroup of 64 × 4 invocations covers 256 columns; invocation (x, y)
 *   owns columns 4x…4x+3 and every fourth k of the segment from y; the 4 partial sums of a column
 *   meet in workgroup memory.
 * - B [N, K] ("dots"): each output is a dot product of A's row with a contiguous row of B; a
 *   workgroup of 64 × 4 covers 4 outputs, 64 invocations reading each row as vec4s, and a tree
 *   in workgroup memory sums the 64 partial sums.
 * Real GPUs only: on llvmpipe, where every invocation's load is a gather of scalars and loop
 * steps are dear, the register-blocked kernel (more columns and k per step) measured 2.5–4×
 * faster on these shapes (fc2: 2.8 against 0.7 GFLOP/s), and it keeps them.
 */
import { range } from './register-block.js';
import type { GpuExecutor } from '../executor.js';
import { MATVEC_MAX_ROWS, type MatvecPlan } from '../gemm-plan.js';
import { MATVEC_LANES as LANES, MATVEC_SIDE as SIDE, MATVEC_UNROLL as UNROLL, matvecColumnGroups as columnGroups, matvecSegments, matvecStep as perStep } from '../gemm-shapes.js';
import type { GpuStorage } from '../gpu-storage.js';
import { sumSegments } from './reduce.js';

export interface MatvecProblem {
  label: string;
  /** Rows of A (≤ MATVEC_MAX_ROWS), columns of the output, reduced length. */
  rows: number;
  N: number;
  K: number;
  /** B stored [N, K] and used transposed. */
  transB: boolean;
}

/**
 * Whether the problem suits these kernels: few rows, the vec4 axis of B a multiple of 4 (N for
 * [K, N], K for [N, K]), the grid and bindings within the device's limits.
 */
export function matvecApplies(ex: GpuExecutor, p: MatvecProblem, A: GpuStorage, B: GpuStorage): boolean {
  if (p.rows < 1 || p.rows > MATVEC_MAX_ROWS) return false;
  if ((p.transB ? p.K : p.N) % 4 !== 0) return false;
  if (columnGroups(p) > ex.limits.maxComputeWorkgroupsPerDimension) return false;
  const { S } = matvecSegments(p, ex.loopBudget);
  const outChunks = Math.ceil((S * p.rows * p.N) / ex.chunkElems);
  return A.chunks.length + B.chunks.length + outChunks <= ex.limits.maxStorageBuffersPerShaderStage;
}

/** The product (see the file comment) as planned (gemm-plan.ts, where matvecApplies). */
export function matvec(ex: GpuExecutor, p: MatvecProblem, ops: { A: GpuStorage; B: GpuStorage }, plan: MatvecPlan): GpuStorage {
  const { A, B } = ops;
  const [S, kSeg] = [plan.segments, plan.segmentLength];
  const size = p.rows * p.N;
  const out = ex.alloc(S * size);
  const kernel = p.transB ? 'dots' : 'rows';
  ex.dispatch({
    kernel: 'webgpu.matmul',
    label: p.label,
    variant: `matvec|${kernel}|r${p.rows}`,
    operands: [
      { name: 'A', storage: A, type: p.transB ? 'vec4' : 'f32' },
      { name: 'B', storage: B, type: 'vec4' },
      { name: 'out', storage: out, type: p.transB ? 'f32' : 'vec4', write: true },
    ],
    params: [
      ['N', p.N],
      ['K', p.K],
      ['kSeg', kSeg],
    ],
    workgroups: [columnGroups(p), S, 1],
    // Rows: every SIDE-th k of a segment; dots: every LANES-th vec4 of it (UNROLL per step,
    // then up to UNROLL - 1 single ones).
    loopIterations: Math.ceil(kSeg / perStep(p)) + UNROLL - 1,
    body: () => (p.transB ? dotsWgsl(p.rows) : rowsWgsl(p.rows)),
  });
  return S === 1 ? out : sumSegments(ex, p.label, out, S, size);
}

/** B [K, N]: out (per segment) [R, N] as vec4s; A read as scalars (all invocations of a k alike). */
function rowsWgsl(R: number): string {
  const rows = range(R);
  return `
var<workgroup> part: array<vec4<f32>, ${R * SIDE * LANES}>;
@compute @workgroup_size(${LANES}, ${SIDE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let n4 = wid.x * ${LANES}u + lid.x;
  let N4 = p.N >> 2u;
  let seg = wid.y;
  let kBegin = seg * p.kSeg;
  let kEnd = min(kBegin + p.kSeg, p.K);
  ${rows.map((r) => `var acc_${r} = vec4<f32>(0.0);`).join('\n  ')}
  if (n4 < N4) {
    var k = kBegin + lid.y;
    loop {
      if (k + ${(UNROLL - 1) * SIDE}u >= kEnd) { break; }
      ${range(UNROLL).map((u) => `let b${u} = B_ld4((k + ${u * SIDE}u) * N4 + n4);`).join('\n      ')}
      ${range(UNROLL).flatMap((u) => rows.map((r) => `acc_${r} = fma(vec4<f32>(A_ld(${r}u * p.K + k + ${u * SIDE}u)), b${u}, acc_${r});`)).join('\n      ')}
      k += ${UNROLL * SIDE}u;
    }
    loop {
      if (k >= kEnd) { break; }
      let b = B_ld4(k * N4 + n4);
      ${rows.map((r) => `acc_${r} = fma(vec4<f32>(A_ld(${r}u * p.K + k)), b, acc_${r});`).join('\n      ')}
      k += ${SIDE}u;
    }
  }
  ${rows.map((r) => `part[(${r}u * ${SIDE}u + lid.y) * ${LANES}u + lid.x] = acc_${r};`).join('\n  ')}
  workgroupBarrier();
  if (lid.y == 0u && n4 < N4) {
    ${rows
      .map((r) => {
        const terms = range(SIDE).map((y) => `part[${(r * SIDE + y) * LANES}u + lid.x]`).join(' + ');
        return `out_st4((seg * ${R}u + ${r}u) * N4 + n4, ${terms});`;
      })
      .join('\n    ')}
  }
}`;
}

/** B [N, K]: out (per segment) [R, N] as scalars; A and B read as vec4s along K. */
function dotsWgsl(R: number): string {
  const rows = range(R);
  return `
var<workgroup> part: array<f32, ${R * SIDE * LANES}>;
@compute @workgroup_size(${LANES}, ${SIDE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let n = wid.x * ${SIDE}u + lid.y;
  let K4 = p.K >> 2u;
  let seg = wid.y;
  let kBegin = (seg * p.kSeg) >> 2u;
  let kEnd = min((seg * p.kSeg + p.kSeg) >> 2u, K4);
  ${rows.map((r) => `var acc_${r} = vec4<f32>(0.0);`).join('\n  ')}
  if (n < p.N) {
    var k = kBegin + lid.x;
    loop {
      if (k + ${(UNROLL - 1) * LANES}u >= kEnd) { break; }
      ${range(UNROLL).map((u) => `let b${u} = B_ld4(n * K4 + k + ${u * LANES}u);`).join('\n      ')}
      ${range(UNROLL).flatMap((u) => rows.map((r) => `acc_${r} = fma(A_ld4(${r}u * K4 + k + ${u * LANES}u), b${u}, acc_${r});`)).join('\n      ')}
      k += ${UNROLL * LANES}u;
    }
    loop {
      if (k >= kEnd) { break; }
      let b = B_ld4(n * K4 + k);
      ${rows.map((r) => `acc_${r} = fma(A_ld4(${r}u * K4 + k), b, acc_${r});`).join('\n      ')}
      k += ${LANES}u;
    }
  }
  let at = lid.y * ${LANES}u + lid.x;
  ${rows.map((r) => `part[${r * SIDE * LANES}u + at] = dot(acc_${r}, vec4<f32>(1.0));`).join('\n  ')}
  for (var w = ${LANES / 2}u; w > 0u; w = w >> 1u) {
    workgroupBarrier();
    if (lid.x < w) {
      ${rows.map((r) => `part[${r * SIDE * LANES}u + at] += part[${r * SIDE * LANES}u + at + w];`).join('\n      ')}
    }
  }
  if (lid.x == 0u && n < p.N) {
    ${rows.map((r) => `out_st((seg * ${R}u + ${r}u) * p.N + n, part[${r * SIDE * LANES}u + at]);`).join('\n    ')}
  }
}`;
}
