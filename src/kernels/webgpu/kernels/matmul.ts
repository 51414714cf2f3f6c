/**
 * Batched matmul out[b] = op(A[b]) · op(B[b]) with op = optional transpose, A [Ba, M, K] or
 * [Ba, K, M], B [Bb, K, N] or [Bb, N, K], a batch of 1 broadcasting. Register-blocked
 * (register-block.ts); operands are read as vec4 along whichever axis is contiguous when it is a
 * multiple of 4 (A along K, or along M when transposed; B along N, or along K when transposed),
 * else as scalars with clamped indices. Few output blocks and a long K (dense layers at batch 1,
 * weight gradients) split K into segments whose partial products are summed by the reduction
 * kernel afterwards.
 */
import type { TensorInfo } from '../../backend.js';
import { sizeOf } from '../../../tensor/shape.js';
import type { GpuExecutor } from '../executor.js';
import { asGpuStorage, type GpuStorage } from '../gpu-storage.js';
import {
  chooseSplitK,
  chooseTiling,
  clampedColumns,
  clampedVecColumns,
  declareAccumulators,
  fmaStep,
  range,
  storeBlock,
  type Tiling,
} from './register-block.js';
import { sumSegments } from './reduce.js';
import { fill } from './layout.js';

interface MatmulVariant {
  transA: boolean;
  transB: boolean;
  /** A read as vec4 (along K, or along M when transposed). */
  vecA: boolean;
  vecB: boolean;
  vecOut: boolean;
  t: Tiling;
}

export function matmul(ex: GpuExecutor, a: TensorInfo, b: TensorInfo, transA: boolean, transB: boolean, cpuEmulated: boolean): GpuStorage {
  const k = 'webgpu.matmul';
  const label = `${k} [${a.shape.join(',')}]${transA ? 'ᵀ' : ''} x [${b.shape.join(',')}]${transB ? 'ᵀ' : ''}`;
  if (a.shape.length !== 3 || b.shape.length !== 3) throw new Error(`${label}: operands must have rank 3`);
  const [Ba, a1, a2] = a.shape as [number, number, number];
  const [Bb, b1, b2] = b.shape as [number, number, number];
  const [M, K] = transA ? [a2, a1] : [a1, a2];
  const [K2, N] = transB ? [b2, b1] : [b1, b2];
  if (K !== K2) throw new Error(`${label}: inner dimensions differ (${K} vs ${K2})`);
  if (Ba !== Bb && Ba !== 1 && Bb !== 1) throw new Error(`${label}: batch sizes ${Ba} and ${Bb} do not broadcast`);
  const A = asGpuStorage(k, a.storage);
  const B = asGpuStorage(k, b.storage);
  if (A.size !== sizeOf(a.shape) || B.size !== sizeOf(b.shape)) throw new Error(`${label}: storage sizes do not match the shapes`);
  const batch = Math.max(Ba, Bb);
  const outSize = batch * M * N;
  if (outSize === 0) return ex.alloc(0);
  if (K === 0) return fill(ex, outSize, 0);

  const t = chooseTiling(M, N, cpuEmulated);
  const v: MatmulVariant = {
    transA,
    transB,
    vecA: transA ? M % 4 === 0 && t.RM % 4 === 0 : K % 4 === 0,
    vecB: transB ? K % 4 === 0 : N % 4 === 0,
    vecOut: N % 4 === 0,
    t,
  };
  const gx = Math.ceil(N / (4 * t.CN * t.WX));
  const gy = Math.ceil(M / (t.RM * t.WY));
  const { S, kSeg } = chooseSplitK(gx * gy * batch, K, cpuEmulated);
  const out = ex.alloc(S * outSize);
  ex.dispatch({
    kernel: k,
    label,
    variant: `${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}|a${+v.vecA}b${+v.vecB}o${+v.vecOut}|${t.RM}x${t.CN}|${t.WX}x${t.WY}`,
    operands: [
      { name: 'A', storage: A, type: v.vecA ? 'vec4' : 'f32' },
      { name: 'B', storage: B, type: v.vecB ? 'vec4' : 'f32' },
      { name: 'out', storage: out, type: v.vecOut ? 'vec4' : 'f32', write: true },
    ],
    params: [
      ['M', M],
      ['N', N],
      ['K', K],
      ['S', S],
      ['kSeg', kSeg],
      ['batch', batch],
      ['aBatch', Ba === 1 ? 0 : M * K],
      ['bBatch', Bb === 1 ? 0 : K * N],
    ],
    workgroups: [gx, gy, batch * S],
    body: () => matmulWgsl(v),
  });
  if (S === 1) return out;
  return sumSegments(ex, label, out, S, outSize);
}

function matmulWgsl(v: MatmulVariant): string {
  const { t } = v;
  const rows = range(t.RM);
  const cols = range(t.CN);
  const kk4 = range(4);
  // Row indices, clamped so that loads stay in bounds (stores check the real index).
  const rowDecl = rows.map((r) => `let mrow_${r} = min(m0 + ${r}u, p.M - 1u);`).join('\n  ');

  // --- loads of one 4-step along K: a_r (vec4 over the 4 k), b_kk_c (vec4 over 4 columns) ---
  let loadA: string;
  if (!v.transA) {
    loadA = rows
      .map((r) =>
        v.vecA
          ? `let a_${r} = A_ld4((aBase + mrow_${r} * p.K + k) >> 2u);`
          : `let ai_${r} = aBase + mrow_${r} * p.K + k; let a_${r} = vec4<f32>(A_ld(ai_${r}), A_ld(ai_${r} + 1u), A_ld(ai_${r} + 2u), A_ld(ai_${r} + 3u));`,
      )
      .join('\n    ');
  } else if (v.vecA) {
    // A stored [K, M]: one vec4 holds 4 consecutive rows at one k.
    const groups = range(t.RM / 4);
    loadA = kk4
      .flatMap((kk) => groups.map((j) => `let at_${kk}_${j} = A_ld4((aBase + (k + ${kk}u) * p.M + min(m0 + ${4 * j}u, p.M - 4u)) >> 2u);`))
      .concat(rows.map((r) => `let a_${r} = vec4<f32>(${kk4.map((kk) => `at_${kk}_${r >> 2}[${r & 3}]`).join(', ')});`))
      .join('\n    ');
  } else {
    loadA = rows
      .map((r) => `let a_${r} = vec4<f32>(${kk4.map((kk) => `A_ld(aBase + (k + ${kk}u) * p.M + mrow_${r})`).join(', ')});`)
      .join('\n    ');
  }
  let loadB: string;
  if (!v.transB) {
    loadB = kk4
      .flatMap((kk) =>
        cols.map((c) =>
          v.vecB
            ? `let b_${kk}_${c} = B_ld4((bBase + (k + ${kk}u) * p.N + nv_${c}) >> 2u);`
            : `let b_${kk}_${c} = vec4<f32>(${range(4).map((q) => `B_ld(bBase + (k + ${kk}u) * p.N + ncol_${4 * c + q})`).join(', ')});`,
        ),
      )
      .join('\n    ');
  } else if (v.vecB) {
    // B stored [N, K]: one vec4 holds 4 consecutive k of one column.
    loadB = cols
      .flatMap((c) => range(4).map((q) => `let bt_${c}_${q} = B_ld4((bBase + ncol_${4 * c + q} * p.K + k) >> 2u);`))
      .concat(kk4.flatMap((kk) => cols.map((c) => `let b_${kk}_${c} = vec4<f32>(${range(4).map((q) => `bt_${c}_${q}[${kk}]`).join(', ')});`)))
      .join('\n    ');
  } else {
    loadB = kk4
      .flatMap((kk) =>
        cols.map((c) => `let b_${kk}_${c} = vec4<f32>(${range(4).map((q) => `B_ld(bBase + ncol_${4 * c + q} * p.K + k + ${kk}u)`).join(', ')});`),
      )
      .join('\n    ');
  }
  const steps = kk4.map((kk) => fmaStep(t, (r) => `a_${r}[${kk}]`, (c) => `b_${kk}_${c}`)).join('\n    ');

  // --- remainder (single k) when K is not a multiple of 4 ---
  const aOne = (r: number): string => (v.transA ? `A_ld(aBase + k * p.M + mrow_${r})` : `A_ld(aBase + mrow_${r} * p.K + k)`);
  const bOne = (c: number): string =>
    !v.transB && v.vecB
      ? `B_ld4((bBase + k * p.N + nv_${c}) >> 2u)`
      : `vec4<f32>(${range(4)
          .map((q) => (v.transB ? `B_ld(bBase + ncol_${4 * c + q} * p.K + k)` : `B_ld(bBase + k * p.N + ncol_${4 * c + q})`))
          .join(', ')})`;

  return `
@compute @workgroup_size(${t.WX}, ${t.WY})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let n0 = (wid.x * ${t.WX}u + lid.x) * ${4 * t.CN}u;
  let m0 = (wid.y * ${t.WY}u + lid.y) * ${t.RM}u;
  if (n0 >= p.N || m0 >= p.M) { return; }
  let bi = wid.z / p.S;
  let seg = wid.z - bi * p.S;
  let aBase = bi * p.aBatch;
  let bBase = bi * p.bBatch;
  let kBegin = seg * p.kSeg;
  let kEnd = min(kBegin + p.kSeg, p.K);
  ${rowDecl}
  ${clampedColumns(t, 'n0', 'p.N')}
  ${v.vecB && !v.transB ? clampedVecColumns(t, 'n0', 'p.N') : ''}
  ${declareAccumulators(t)}
  var k = kBegin;
  loop {
    if (k + 4u > kEnd) { break; }
    ${loadA}
    ${loadB}
    ${steps}
    k += 4u;
  }
  loop {
    if (k >= kEnd) { break; }
    ${fmaStep(t, aOne, bOne)}
    k += 1u;
  }
  let outBase = (seg * p.batch + bi) * p.M * p.N;
  ${storeBlock(t, { base: 'outBase', rows: 'p.M', cols: 'p.N', m0: 'm0', n0: 'n0', vecOut: v.vecOut })}
}`;
}
