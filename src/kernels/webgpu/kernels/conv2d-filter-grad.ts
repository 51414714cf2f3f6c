/**
 * conv2dBackpropFilter as a GEMM over pixels:
 *
 *   dw[tap, ci, co] = Σ_{pix} x[pix ⊕ tap, ci] · dy[pix, co]
 *
 * GEMM rows are (tap, ci), columns co, and K runs over every output pixel of every image — long
 * (N·outH·outW) while rows × columns is small, so K is split into segments whose partial filters
 * are summed afterwards (split-K). Each invocation walks its pixels with incremental (image, oh,
 * ow) counters instead of dividing per pixel. When Cin is a multiple of 4, four consecutive rows
 * share a tap and are read as one vec4 of x's channels.
 *
 * No invocation walks more pixels than the adapter's loop budget (GpuExecutor.loopBudget):
 * llvmpipe ends a shader's loops after 65,535 iterations in all (Mesa's gallivm loop limiter, one
 * counter per shader function), and a longer walk came back silently short (VGG's block1 filter
 * gradient at batch 2). Longer sums are split into segments, or, where the partial filters would
 * not fit, into ranges of pixels run one after another, each adding into dw.
 */
import type { Conv2DParams, TensorInfo } from '../../backend.js';
import { sizeOf, type Shape } from '../../../tensor/shape.js';
import type { GpuExecutor } from '../executor.js';
import { gemmDevice, planGemm, type GemmSelection } from '../gemm-plan.js';
import { asGpuStorage, type GpuStorage } from '../gpu-storage.js';
import { closeWindow, deltaParam, openWindow, windowCapacity } from '../windows.js';
import { convGeometry, fmtShape, geometryParams, rowGrid } from './conv-geometry.js';
import { fill } from './layout.js';
import { sumSegments } from './reduce.js';
import { clampedColumns, clampedVecColumns, declareAccumulators, fmaStep, range, storeBlock, type Tiling } from './register-block.js';

interface Variant {
  /** Cin % 4 == 0 (and blocks of 4 rows): x read as vec4 over 4 rows. */
  vecRows: boolean;
  /** Cout % 4 == 0: dy read and dw written as vec4. */
  vecOut: boolean;
  /** K segments in grid z, partial filters at outOff + seg·M·N. */
  splitK: boolean;
  /** Add into dw (pieces of the batch after the first). */
  accumulate: boolean;
  t: Tiling;
}

export interface Conv2DBackpropFilterArgs {
  x: TensorInfo;
  dy: TensorInfo;
  filterShape: Shape;
  p: Conv2DParams;
}

export function conv2dBackpropFilter(ex: GpuExecutor, args: Conv2DBackpropFilterArgs, gemm: GemmSelection): GpuStorage {
  const { x, dy, filterShape, p } = args;
  const k = 'webgpu.conv2dBackpropFilter';
  const label = `${k} x ${fmtShape(x.shape)} dy ${fmtShape(dy.shape)} filter ${fmtShape(filterShape)}`;
  const g = convGeometry(label, x.shape, filterShape, p);
  const wantDy = [g.batch, g.OH, g.OW, g.Cout];
  if (dy.shape.length !== 4 || dy.shape.some((d, i) => d !== wantDy[i])) throw new Error(`${label}: dy must be ${fmtShape(wantDy)}`);
  const X = asGpuStorage(k, x.storage);
  const DY = asGpuStorage(k, dy.storage);
  if (X.size !== sizeOf(x.shape) || DY.size !== sizeOf(dy.shape)) throw new Error(`${label}: storage sizes do not match the shapes`);
  const M = g.KH * g.KW * g.Cin;
  const N = g.Cout;
  const P = g.batch * g.OH * g.OW;
  if (M * N === 0) return ex.alloc(0);
  if (P === 0 || X.size === 0) return fill(ex, M * N, 0);

  const single = X.chunks.length === 1 && DY.chunks.length === 1;
  const plan = planGemm({ op: 'conv2dBackpropFilter', M, N, P, singleBuffers: single }, gemmDevice(ex, gemm), gemm.choice);
  if (plan.family !== 'direct') throw new Error(`${label}: no ${plan.family} kernel for filter gradients`);
  const t = plan.block;
  const v0: Variant = { vecRows: g.Cin % 4 === 0 && t.RM % 4 === 0, vecOut: N % 4 === 0, accumulate: false, splitK: false, t };
  const geometry = geometryParams(g);
  const gx = Math.ceil(N / (4 * t.CN * t.WX));
  const [gy, gz] = rowGrid(Math.ceil(M / (t.RM * t.WY)), ex.limits.maxComputeWorkgroupsPerDimension);
  const xPer = g.H * g.W * g.Cin;
  const dyPer = g.OH * g.OW * g.Cout;
  const cap = windowCapacity(ex.chunkElems);
  const perPiece = Math.floor(cap / Math.max(xPer, dyPer, 1));

  const params = (P: number, q0: number, kSeg: number, offs: [number, number, number]): [string, number, ('u32' | 'i32')?][] => [
    ['M', M], ['N', N], ['P', P], ['q0', q0], ['kSeg', kSeg], ...geometry, ['xOff', offs[0]], ['dyOff', offs[1]], ['outOff', offs[2]],
  ];
  // Pixels one invocation may walk (see the file comment): the plan's range length when not whole.
  const maxPixels = plan.segmentLength;
  /** Pixels [0, P) of one dispatch's images in ranges of at most maxPixels, adding into dw. */
  const inRanges = (P: number, first: boolean, dispatch: (q0: number, count: number, accumulate: boolean) => void): void => {
    for (let q0 = 0; q0 < P; q0 += maxPixels) dispatch(q0, Math.min(maxPixels, P - q0), !(first && q0 === 0));
  };

  if (plan.whole) {
    const S = plan.segments;
    const out = ex.alloc(S * M * N);
    dispatchFilterGrad(ex, { label, v: { ...v0, splitK: S > 1 }, s: { X, DY, out }, workgroups: [gx, gy, S > 1 ? S : gz], params: params(P, 0, plan.segmentLength, [0, 0, 0]) });
    return S === 1 ? out : sumSegments(ex, label, out, S, M * N);
  }
  const out = ex.alloc(M * N);
  if (perPiece === 0 || M * N > cap || (X.chunks.length === 1 && DY.chunks.length === 1)) {
    // Not even one image fits a binding (the shader reads the chunks directly), or the whole
    // batch is one buffer but its partial filters would not fit one: ranges of pixels.
    inRanges(P, true, (q0, count, accumulate) =>
      dispatchFilterGrad(ex, { label, v: { ...v0, accumulate }, s: { X, DY, out }, workgroups: [gx, gy, gz], params: params(P, q0, count, [0, 0, 0]) }),
    );
    return out;
  }
  // Pieces of whole images, each adding its sum over pixels into dw.
  const wo = openWindow(ex, label, { storage: out, start: 0, length: M * N }, false);
  for (let i0 = 0; i0 < g.batch; i0 += perPiece) {
    const n = Math.min(perPiece, g.batch - i0);
    const wx = openWindow(ex, label, { storage: X, start: i0 * xPer, length: n * xPer }, true);
    const wdy = openWindow(ex, label, { storage: DY, start: i0 * dyPer, length: n * dyPer }, true);
    const Pn = n * g.OH * g.OW;
    const offs: [number, number, number] = [(deltaParam(wx) + i0 * xPer) >>> 0, (deltaParam(wdy) + i0 * dyPer) >>> 0, deltaParam(wo)];
    inRanges(Pn, i0 === 0, (q0, count, accumulate) =>
      dispatchFilterGrad(ex, { label, v: { ...v0, accumulate }, s: { X: wx.storage, DY: wdy.storage, out: wo.storage }, workgroups: [gx, gy, gz], params: params(Pn, q0, count, offs) }),
    );
    closeWindow(ex, label, wx, { storage: X, start: i0 * xPer, length: n * xPer }, false);
    closeWindow(ex, label, wdy, { storage: DY, start: i0 * dyPer, length: n * dyPer }, false);
  }
  closeWindow(ex, label, wo, { storage: out, start: 0, length: M * N }, true);
  return out;
}

function dispatchFilterGrad(
  ex: GpuExecutor,
  d: { label: string; v: Variant; s: { X: GpuStorage; DY: GpuStorage; out: GpuStorage }; workgroups: [number, number, number]; params: [string, number, ('u32' | 'i32')?][] },
): void {
  const { label, v: v0, s, workgroups, params } = d;
  const offset = (name: string): number => params.find(([n]) => n === name)![1];
  // Windows keep offsets aligned except for odd sizes, which turn vec4 off.
  const v: Variant = {
    ...v0,
    vecRows: v0.vecRows && offset('xOff') % 4 === 0,
    vecOut: v0.vecOut && offset('dyOff') % 4 === 0 && offset('outOff') % 4 === 0,
  };
  const { t } = v;
  ex.dispatch({
    kernel: 'webgpu.conv2dBackpropFilter',
    label,
    variant: `x${+v.vecRows}o${+v.vecOut}s${+v.splitK}c${+v.accumulate}|${t.RM}x${t.CN}|${t.WX}x${t.WY}`,
    operands: [
      { name: 'X', storage: s.X, type: v.vecRows ? 'vec4' : 'f32' },
      { name: 'DY', storage: s.DY, type: v.vecOut ? 'vec4' : 'f32' },
      { name: 'out', storage: s.out, type: v.vecOut ? 'vec4' : 'f32', write: true },
    ],
    params,
    workgroups,
    loopIterations: offset('kSeg'),
    body: () => filterGradWgsl(v),
  });
}

function filterGradWgsl(v: Variant): string {
  const { t, splitK } = v;
  const rows = range(t.RM);
  // Row (tap, ci) decomposition: per group of 4 rows (vec) or per row (scalar).
  const groups = v.vecRows ? range(t.RM / 4) : rows;
  const first = (j: number): string => (v.vecRows ? `min(m0 + ${4 * j}u, p.M - 4u)` : `min(m0 + ${j}u, p.M - 1u)`);
  const rowSetup = groups
    .map(
      (j) => `let mr_${j} = ${first(j)}; let tap_${j} = mr_${j} / p.Cin; let ci_${j} = mr_${j} - tap_${j} * p.Cin;
  let ky_${j} = tap_${j} / p.KW; let kx_${j} = tap_${j} - ky_${j} * p.KW;
  let hoff_${j} = i32(ky_${j} * p.dh) - p.pt; let woff_${j} = i32(kx_${j} * p.dw) - p.pl;`,
    )
    .join('\n  ');
  const loadX = groups
    .map(
      (j) => `let ih_${j} = ihb + hoff_${j}; let iw_${j} = iwb + woff_${j};
      let ok_${j} = ih_${j} >= 0 && ih_${j} < i32(p.H) && iw_${j} >= 0 && iw_${j} < i32(p.W);
      let xi_${j} = p.xOff + select(0u, ((img * p.H + u32(ih_${j})) * p.W + u32(iw_${j})) * p.Cin + ci_${j}, ok_${j});
      let xa_${j} = ${v.vecRows ? `select(vec4<f32>(0.0), X_ld4(xi_${j} >> 2u), ok_${j})` : `select(0.0, X_ld(xi_${j}), ok_${j})`};`,
    )
    .join('\n      ');
  const aOf = (r: number): string => (v.vecRows ? `xa_${r >> 2}[${r & 3}]` : `xa_${r}`);
  const bOf = (c: number): string =>
    v.vecOut ? `DY_ld4((p.dyOff + q * p.N + nv_${c}) >> 2u)` : `vec4<f32>(${range(4).map((qq) => `DY_ld(p.dyOff + q * p.N + ncol_${4 * c + qq})`).join(', ')})`;
  const loadB = range(t.CN)
    .map((c) => `let b_${c} = ${bOf(c)};`)
    .join('\n      ');

  return `
@compute @workgroup_size(${t.WX}, ${t.WY})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let n0 = (wid.x * ${t.WX}u + lid.x) * ${4 * t.CN}u;
  let rowBlock = ${splitK ? 'wid.y' : 'wid.y + wid.z * nwg.y'};
  let seg = ${splitK ? 'wid.z' : '0u'};
  let m0 = (rowBlock * ${t.WY}u + lid.y) * ${t.RM}u;
  if (n0 >= p.N || m0 >= p.M) { return; }
  ${rowSetup}
  ${clampedColumns(t, 'n0', 'p.N')}
  ${v.vecOut ? clampedVecColumns(t, 'n0', 'p.N') : ''}
  ${declareAccumulators(t)}
  let qBegin = p.q0 + seg * p.kSeg;
  let qEnd = min(qBegin + p.kSeg, p.P);
  var img = qBegin / (p.OH * p.OW);
  let rem = qBegin - img * p.OH * p.OW;
  var oh = rem / p.OW;
  var ow = rem - oh * p.OW;
  for (var q = qBegin; q < qEnd; q++) {
      let ihb = i32(oh * p.sh);
      let iwb = i32(ow * p.sw);
      ${loadX}
      ${loadB}
      ${fmaStep(t, aOf, (c) => `b_${c}`)}
      ow += 1u;
      if (ow == p.OW) { ow = 0u; oh += 1u; if (oh == p.OH) { oh = 0u; img += 1u; } }
  }
  let outBase = p.outOff + seg * p.M * p.N;
  ${storeBlock(t, { base: 'outBase', rows: 'p.M', cols: 'p.N', ld: 'p.N', m0: 'm0', n0: 'n0', vecOut: v.vecOut, accumulate: v.accumulate })}
}`;
}
