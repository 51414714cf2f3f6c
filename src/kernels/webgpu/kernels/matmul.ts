/**
 * Batched matmul out[b] = op(A[b]) · op(B[b]) with op = optional transpose, A [Ba, M, K] or
 * [Ba, K, M], B [Bb, K, N] or [Bb, N, K], a batch of 1 broadcasting. Register-blocked
 * (register-block.ts); operands are read as vec4 along whichever axis is contiguous when it is a
 * multiple of 4 (A along K, or along M when transposed; B along N, or along K when transposed),
 * else as scalars with clamped indices.
 *
 * Four ways to cover a problem:
 * - on real GPUs, at most four rows against a B shared by the batch (dense layers at batch 1–4):
 *   the bandwidth-bound kernels of matvec.ts;
 * - whole: one dispatch over every batch. When there are few output blocks and K is long (dense
 *   layers at batch 1, weight gradients) K is split into segments whose partial products the
 *   reduction kernel sums afterwards (split-K).
 * - as a 1×1 convolution (conv2d-tiled.ts) on real GPUs, when neither operand is transposed and
 *   B is shared by the batch (chunked operands included: the accessors handle them);
 * - in pieces, when an operand is split into chunks (larger than one binding, e.g. VGG19's
 *   411 MB fc1 kernel on a 128 MiB-binding device): per batch, the (M, N, K) box is cut until
 *   every operand range of a piece fits in one binding (windows.ts); pieces along K add into
 *   the output one after another. The shader never sees chunks.
 */
import type { TensorInfo } from '../../backend.js';
import { sizeOf } from '../../../tensor/shape.js';
import type { GpuExecutor, Operand } from '../executor.js';
import { gemmDevice, matmulMaxK, planGemm, type GemmSelection } from '../gemm-plan.js';
import { asGpuStorage, type GpuStorage } from '../gpu-storage.js';
import { closeWindow, deltaParam, openWindow, windowCapacity } from '../windows.js';
import { geometryParams, type ConvGeometry } from './conv-geometry.js';
import { dispatchTiled } from './conv2d-tiled.js';
import { fill } from './layout.js';
import { matvec, matvecApplies } from './matvec.js';
import { sumSegments } from './reduce.js';
import { clampedColumns, clampedVecColumns, declareAccumulators, fmaStep, range, storeBlock, type Tiling } from './register-block.js';

interface MatmulVariant {
  transA: boolean;
  transB: boolean;
  /** A read as vec4 (along K, or along M when transposed). */
  vecA: boolean;
  vecB: boolean;
  vecOut: boolean;
  accumulate: boolean;
  t: Tiling;
}

interface Problem {
  label: string;
  M: number;
  N: number;
  K: number;
  transA: boolean;
  transB: boolean;
}

export interface MatmulArgs {
  a: TensorInfo;
  b: TensorInfo;
  transA: boolean;
  transB: boolean;
}

export function matmul(ex: GpuExecutor, args: MatmulArgs, gemm: GemmSelection): GpuStorage {
  const { a, b, transA, transB } = args;
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
  const prob: Problem = { label, M, N, K, transA, transB };
  const rows = Ba * M;
  const mv = { label, rows, N, K, transB };
  const plan = planGemm(
    {
      op: 'matmul',
      M,
      N,
      K,
      batch,
      batchA: Ba,
      sharedB: Bb === 1,
      transA,
      transB,
      matvecFits: Bb === 1 && !transA && matvecApplies(ex, mv, A, B),
      bindingsFit: A.chunks.length + B.chunks.length + Math.ceil(outSize / ex.chunkElems) <= ex.limits.maxStorageBuffersPerShaderStage,
      singleBuffers: A.chunks.length === 1 && B.chunks.length === 1,
    },
    gemmDevice(ex, gemm),
    gemm.choice,
  );
  if (plan.family === 'matvec') return matvec(ex, mv, { A, B }, plan);
  if (plan.family === 'tiled') {
    // B shared by the batch: a 1×1 convolution over Ba·M pixels (see the file comment).
    const out = ex.alloc(outSize);
    const g: ConvGeometry = { batch: 1, H: 1, W: rows, Cin: K, KH: 1, KW: 1, OH: 1, OW: rows, Cout: N, sh: 1, sw: 1, dh: 1, dw: 1, pt: 0, pl: 0 };
    const v = { dir: 'forward' as const, bias: false, relu: false, unitStride: true };
    dispatchTiled(ex, { kernel: k, label, v, plan, s: { A, F: B, bias: null, out }, M: rows, N, geometry: geometryParams(g), offs: { a: 0, f: 0, bias: 0, out: 0 } });
    return out;
  }
  const t = plan.block;
  if (plan.whole) {
    const S = plan.segments;
    const out = ex.alloc(S * outSize);
    dispatchMatmul(ex, prob, t, {
      A: { storage: A, off: 0, batchStride: Ba === 1 ? 0 : M * K },
      B: { storage: B, off: 0, batchStride: Bb === 1 ? 0 : K * N },
      out: { storage: out, off: 0, batchStride: M * N },
      batch,
      S,
      kSeg: plan.segmentLength,
      accumulate: false,
    });
    return S === 1 ? out : sumSegments(ex, label, out, S, outSize);
  }
  const out = ex.alloc(outSize);
  inPieces(ex, { p: prob, t, A, B, out, Ba, Bb, batch });
  return out;
}

interface Bound {
  storage: GpuStorage;
  /** Added to the global element index (wrapping u32). */
  off: number;
  batchStride: number;
}

interface DispatchArgs {
  A: Bound;
  B: Bound;
  out: Bound;
  batch: number;
  S: number;
  kSeg: number;
  accumulate: boolean;
}

function dispatchMatmul(ex: GpuExecutor, p: Problem, t: Tiling, d: DispatchArgs, extent?: { M: number; N: number; K: number }): void {
  const { M, N, K } = extent ?? p;
  // Leading dimensions are those of the whole matrices; offsets place a piece inside them.
  const lda = p.transA ? p.M : p.K;
  const ldb = p.transB ? p.K : p.N;
  const ldc = p.N;
  // vec4 access needs 4-aligned strides and offsets (pieces and K segments start at multiples
  // of 4), and, where a clamp keeps the last vec4 in bounds, a piece extent that is one too.
  const aligned = (...xs: number[]): boolean => xs.every((x) => x % 4 === 0);
  const v: MatmulVariant = {
    transA: p.transA,
    transB: p.transB,
    vecA: aligned(lda, d.A.off, d.A.batchStride) && (!p.transA || (t.RM % 4 === 0 && aligned(M))),
    vecB: aligned(ldb, d.B.off, d.B.batchStride) && (p.transB || aligned(N)),
    vecOut: aligned(ldc, d.out.off, d.out.batchStride, N),
    accumulate: d.accumulate,
    t,
  };
  const gx = Math.ceil(N / (4 * t.CN * t.WX));
  const gy = Math.ceil(M / (t.RM * t.WY));
  const operands: Operand[] = [
    { name: 'A', storage: d.A.storage, type: v.vecA ? 'vec4' : 'f32' },
    { name: 'B', storage: d.B.storage, type: v.vecB ? 'vec4' : 'f32' },
    { name: 'out', storage: d.out.storage, type: v.vecOut ? 'vec4' : 'f32', write: true },
  ];
  ex.dispatch({
    kernel: 'webgpu.matmul',
    label: p.label,
    variant: `${p.transA ? 'T' : 'N'}${p.transB ? 'T' : 'N'}|a${+v.vecA}b${+v.vecB}o${+v.vecOut}c${+v.accumulate}|${t.RM}x${t.CN}|${t.WX}x${t.WY}`,
    operands,
    params: [
      ['M', M],
      ['N', N],
      ['K', K],
      ['lda', lda],
      ['ldb', ldb],
      ['ldc', ldc],
      ['aOff', d.A.off >>> 0],
      ['bOff', d.B.off >>> 0],
      ['cOff', d.out.off >>> 0],
      ['aBatch', d.A.batchStride],
      ['bBatch', d.B.batchStride],
      ['cBatch', d.out.batchStride],
      ['cSeg', d.batch * p.M * p.N],
      ['S', d.S],
      ['kSeg', d.kSeg],
    ],
    workgroups: [gx, gy, d.batch * d.S],
    loopIterations: Math.floor(d.kSeg / 4) + (d.kSeg % 4),
    body: () => matmulWgsl(v),
  });
}

/** The piecewise path (see the file comment). */
function inPieces(
  ex: GpuExecutor,
  w: { p: Problem; t: Tiling; A: GpuStorage; B: GpuStorage; out: GpuStorage; Ba: number; Bb: number; batch: number },
): void {
  const { p, t, A, B, out, Ba, Bb, batch } = w;
  const { M, N, K, transA, transB } = p;
  const cap = windowCapacity(ex.chunkElems);
  // Length of the ranges a piece of mp × np × kp touches in A, B and out.
  const aLen = (mp: number, kp: number): number => (transA ? (kp - 1) * M + mp : (mp - 1) * K + kp);
  const bLen = (kp: number, np: number): number => (transB ? (np - 1) * K + kp : (kp - 1) * N + np);
  const cLen = (mp: number, np: number): number => (mp - 1) * N + np;
  const halve = (x: number): number => (x > 4 ? Math.ceil(x / 8) * 4 : Math.ceil(x / 2));
  let mp = M;
  let np = N;
  // Pieces along K also keep each invocation's loop within the adapter's budget.
  let kp = Math.min(K, matmulMaxK(ex.loopBudget));
  for (;;) {
    if (aLen(mp, kp) > cap) {
      if (transA ? kp > 1 : mp === 1) kp = halve(kp);
      else mp = halve(mp);
    } else if (bLen(kp, np) > cap) {
      if (transB ? np === 1 : kp > 1) kp = halve(kp);
      else np = halve(np);
    } else if (cLen(mp, np) > cap) {
      if (mp > 1) mp = halve(mp);
      else np = halve(np);
    } else break;
  }
  for (let b = 0; b < batch; b++) {
    const aBase = (Ba === 1 ? 0 : b) * M * K;
    const bBase = (Bb === 1 ? 0 : b) * K * N;
    const cBase = b * M * N;
    for (let m0 = 0; m0 < M; m0 += mp) {
      const mn = Math.min(mp, M - m0);
      for (let n0 = 0; n0 < N; n0 += np) {
        const nn = Math.min(np, N - n0);
        const cStart = cBase + m0 * N + n0;
        const cLength = cLen(mn, nn);
        for (let k0 = 0; k0 < K; k0 += kp) {
          const kn = Math.min(kp, K - k0);
          const accumulate = k0 > 0;
          const aStart = aBase + (transA ? k0 * M + m0 : m0 * K + k0);
          const bStart = bBase + (transB ? n0 * K + k0 : k0 * N + n0);
          const wa = openWindow(ex, p.label, { storage: A, start: aStart, length: aLen(mn, kn) }, true);
          const wb = openWindow(ex, p.label, { storage: B, start: bStart, length: bLen(kn, nn) }, true);
          // A temporary output must start from the values it will partly keep.
          const wc = openWindow(ex, p.label, { storage: out, start: cStart, length: cLength }, accumulate || nn < N);
          dispatchMatmul(
            ex,
            p,
            t,
            {
              A: { storage: wa.storage, off: deltaParam(wa) + aStart, batchStride: 0 },
              B: { storage: wb.storage, off: deltaParam(wb) + bStart, batchStride: 0 },
              out: { storage: wc.storage, off: deltaParam(wc) + cStart, batchStride: 0 },
              batch: 1,
              S: 1,
              kSeg: kn,
              accumulate,
            },
            { M: mn, N: nn, K: kn },
          );
          closeWindow(ex, p.label, wa, { storage: A, start: aStart, length: aLen(mn, kn) }, false);
          closeWindow(ex, p.label, wb, { storage: B, start: bStart, length: bLen(kn, nn) }, false);
          closeWindow(ex, p.label, wc, { storage: out, start: cStart, length: cLength }, true);
        }
      }
    }
  }
}

function matmulWgsl(v: MatmulVariant): string {
  const { t } = v;
  const rows = range(t.RM);
  const cols = range(t.CN);
  const kk4 = range(4);
  // Row indices, clamped so that loads stay in bounds (stores check the real index).
  const rowDecl = rows.map((r) => `let mrow_${r} = min(m0 + ${r}u, p.M - 1u);`).join('\n  ');
  // Element (m, k) of A and (k, n) of B, relative to the batch bases.
  const aIdx = (m: string, k: string): string => (v.transA ? `aBase + (${k}) * p.lda + ${m}` : `aBase + ${m} * p.lda + ${k}`);
  const bIdx = (k: string, n: string): string => (v.transB ? `bBase + ${n} * p.ldb + ${k}` : `bBase + (${k}) * p.ldb + ${n}`);

  // --- loads of one 4-step along K: a_r (vec4 over the 4 k), b_kk_c (vec4 over 4 columns) ---
  let loadA: string;
  if (!v.transA) {
    loadA = rows
      .map((r) =>
        v.vecA
          ? `let a_${r} = A_ld4((${aIdx(`mrow_${r}`, 'k')}) >> 2u);`
          : `let ai_${r} = ${aIdx(`mrow_${r}`, 'k')}; let a_${r} = vec4<f32>(A_ld(ai_${r}), A_ld(ai_${r} + 1u), A_ld(ai_${r} + 2u), A_ld(ai_${r} + 3u));`,
      )
      .join('\n    ');
  } else if (v.vecA) {
    // A stored [K, M]: one vec4 holds 4 consecutive rows at one k.
    const groups = range(t.RM / 4);
    loadA = kk4
      .flatMap((kk) => groups.map((j) => `let at_${kk}_${j} = A_ld4((${aIdx(`min(m0 + ${4 * j}u, p.M - 4u)`, `k + ${kk}u`)}) >> 2u);`))
      .concat(rows.map((r) => `let a_${r} = vec4<f32>(${kk4.map((kk) => `at_${kk}_${r >> 2}[${r & 3}]`).join(', ')});`))
      .join('\n    ');
  } else {
    loadA = rows
      .map((r) => `let a_${r} = vec4<f32>(${kk4.map((kk) => `A_ld(${aIdx(`mrow_${r}`, `k + ${kk}u`)})`).join(', ')});`)
      .join('\n    ');
  }
  let loadB: string;
  if (!v.transB) {
    loadB = kk4
      .flatMap((kk) =>
        cols.map((c) =>
          v.vecB
            ? `let b_${kk}_${c} = B_ld4((${bIdx(`k + ${kk}u`, `nv_${c}`)}) >> 2u);`
            : `let b_${kk}_${c} = vec4<f32>(${range(4).map((q) => `B_ld(${bIdx(`k + ${kk}u`, `ncol_${4 * c + q}`)})`).join(', ')});`,
        ),
      )
      .join('\n    ');
  } else if (v.vecB) {
    // B stored [N, K]: one vec4 holds 4 consecutive k of one column.
    loadB = cols
      .flatMap((c) => range(4).map((q) => `let bt_${c}_${q} = B_ld4((${bIdx('k', `ncol_${4 * c + q}`)}) >> 2u);`))
      .concat(kk4.flatMap((kk) => cols.map((c) => `let b_${kk}_${c} = vec4<f32>(${range(4).map((q) => `bt_${c}_${q}[${kk}]`).join(', ')});`)))
      .join('\n    ');
  } else {
    loadB = kk4
      .flatMap((kk) => cols.map((c) => `let b_${kk}_${c} = vec4<f32>(${range(4).map((q) => `B_ld(${bIdx(`k + ${kk}u`, `ncol_${4 * c + q}`)})`).join(', ')});`))
      .join('\n    ');
  }
  const steps = kk4.map((kk) => fmaStep(t, (r) => `a_${r}[${kk}]`, (c) => `b_${kk}_${c}`)).join('\n    ');

  // --- remainder (single k) when K is not a multiple of 4 ---
  const aOne = (r: number): string => `A_ld(${aIdx(`mrow_${r}`, 'k')})`;
  const bOne = (c: number): string =>
    !v.transB && v.vecB
      ? `B_ld4((${bIdx('k', `nv_${c}`)}) >> 2u)`
      : `vec4<f32>(${range(4).map((q) => `B_ld(${bIdx('k', `ncol_${4 * c + q}`)})`).join(', ')})`;

  return `
@compute @workgroup_size(${t.WX}, ${t.WY})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let n0 = (wid.x * ${t.WX}u + lid.x) * ${4 * t.CN}u;
  let m0 = (wid.y * ${t.WY}u + lid.y) * ${t.RM}u;
  if (n0 >= p.N || m0 >= p.M) { return; }
  let bi = wid.z / p.S;
  let seg = wid.z - bi * p.S;
  let aBase = p.aOff + bi * p.aBatch;
  let bBase = p.bOff + bi * p.bBatch;
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
  let outBase = p.cOff + seg * p.cSeg + bi * p.cBatch;
  ${storeBlock(t, { base: 'outBase', rows: 'p.M', cols: 'p.N', ld: 'p.ldc', m0: 'm0', n0: 'n0', vecOut: v.vecOut, accumulate: v.accumulate })}
}`;
}
