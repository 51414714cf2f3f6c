/**
 * conv2d and conv2dBackpropInput as implicit GEMMs in NHWC: GEMM rows are pixels, columns are
 * channels, and K runs over (tap, channel); no im2col buffer is ever written.
 *
 * forward:        y[pix, co] = Σ_{tap, ci} x[pix ⊕ tap, ci] · w[tap, ci, co]
 * backprop input: dx[pix, ci] = Σ_{tap, co} dy[pix ⊖ tap, co] · w[tap, ci, co]
 *
 * where pix ⊕ tap is the input pixel (oh·s − pad + k·d) the tap reads and pix ⊖ tap the output
 * pixel that read input pixel pix through that tap — it exists only when (h + pad − k·d) is a
 * multiple of the stride (the gradient is a gather: no scatter, no atomics). Padding is a bounds
 * test per row and tap; bias and ReLU are applied in the store. Per tap the row offsets are
 * computed once, and the channel loop inside reads vec4s of channels (when the channel count is a
 * multiple of 4) against filter rows.
 *
 * That direct kernel serves software adapters and odd channel counts; on real GPUs, where the
 * reduced channel count is a multiple of 16, each dispatch goes to the workgroup-memory kernel
 * of conv2d-tiled.ts instead (same geometry, same windows); gemm-plan.ts decides per dispatch.
 * A tiled choice with a workgroup count to fill makes the direct kernel split its taps into
 * segments summed afterwards, for outputs of too few workgroups to fill a GPU.
 */
import type { Conv2DParams, TensorInfo } from '../../backend.js';
import { sizeOf, type Shape } from '../../../tensor/shape.js';
import type { GpuExecutor, Operand } from '../executor.js';
import { gemmDevice, planGemm, type DirectPlan, type GemmSelection } from '../gemm-plan.js';
import { asGpuStorage, type GpuStorage } from '../gpu-storage.js';
import { closeWindow, deltaParam, openWindow, windowCapacity } from '../windows.js';
import { convGeometry, fmtShape, geometryParams, rowGrid } from './conv-geometry.js';
import { dispatchTiled, type Direction } from './conv2d-tiled.js';
import { fill } from './layout.js';
import { finishSplit } from './split-finish.js';
import { clampedColumns, clampedVecColumns, declareAccumulators, fmaStep, range, storeBlock, type Tiling } from './register-block.js';

interface Variant {
  dir: Direction;
  /** The reduced channel count (Cin forward, Cout backward) is a multiple of 4. */
  vecK: boolean;
  /** The output channel count is a multiple of 4. */
  vecOut: boolean;
  bias: boolean;
  relu: boolean;
  /** Strides of 1 (VGG): the input gradient needs no division to find the output pixel. */
  unitStride: boolean;
  t: Tiling;
  /** The taps are split into segments (grid z), each writing a partial output (see DirectPlan.segments). */
  splitTaps?: boolean;
}

type VariantFlags = Omit<Variant, 't' | 'splitTaps'>;

export interface Conv2DArgs {
  x: TensorInfo;
  filter: TensorInfo;
  bias: TensorInfo | null;
  p: Conv2DParams;
  relu: boolean;
}

export function conv2d(ex: GpuExecutor, args: Conv2DArgs, gemm: GemmSelection): GpuStorage {
  const { x, filter, bias, p, relu } = args;
  const k = 'webgpu.conv2d';
  const label = `${k} x ${fmtShape(x.shape)} filter ${fmtShape(filter.shape)}`;
  const g = convGeometry(label, x.shape, filter.shape, p);
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== g.Cout)) throw new Error(`${label}: bias ${fmtShape(bias.shape)} must be [${g.Cout}]`);
  const X = checked(k, x);
  const F = checked(k, filter);
  const B = bias ? checked(k, bias) : null;
  const M = g.batch * g.OH * g.OW;
  if (M * g.Cout === 0) return ex.alloc(0);
  if (g.Cin * g.KH * g.KW === 0) {
    // An empty sum: the bias alone (through ReLU), or zeros.
    if (!bias) return fill(ex, M * g.Cout, 0);
  }
  const v: VariantFlags = { dir: 'forward', vecK: g.Cin % 4 === 0, vecOut: g.Cout % 4 === 0, bias: B !== null, relu, unitStride: false };
  const ops = {
    A: { storage: X, perImage: g.H * g.W * g.Cin },
    F,
    bias: B,
    out: { perImage: g.OH * g.OW * g.Cout },
    batch: g.batch,
    rowsPerImage: g.OH * g.OW,
  };
  return run(ex, { kernel: k, label, v, ops, N: g.Cout, geometry: geometryParams(g), K: { KC: g.Cin, taps: g.KH * g.KW, opRows: M }, gemm });
}

export interface Conv2DBackpropInputArgs {
  dy: TensorInfo;
  filter: TensorInfo;
  xShape: Shape;
  p: Conv2DParams;
}

export function conv2dBackpropInput(ex: GpuExecutor, args: Conv2DBackpropInputArgs, gemm: GemmSelection): GpuStorage {
  const { dy, filter, xShape, p } = args;
  const k = 'webgpu.conv2dBackpropInput';
  const label = `${k} dy ${fmtShape(dy.shape)} filter ${fmtShape(filter.shape)} x ${fmtShape(xShape)}`;
  const g = convGeometry(label, xShape, filter.shape, p);
  const wantDy = [g.batch, g.OH, g.OW, g.Cout];
  if (dy.shape.length !== 4 || dy.shape.some((d, i) => d !== wantDy[i])) throw new Error(`${label}: dy must be ${fmtShape(wantDy)}`);
  const DY = checked(k, dy);
  const F = checked(k, filter);
  const M = g.batch * g.H * g.W;
  if (M * g.Cin === 0) return ex.alloc(0);
  if (sizeOf(dy.shape) === 0 || g.KH * g.KW === 0) return fill(ex, M * g.Cin, 0);
  const unitStride = g.sh === 1 && g.sw === 1;
  const v: VariantFlags = { dir: 'backpropInput', vecK: g.Cout % 4 === 0, vecOut: g.Cin % 4 === 0, bias: false, relu: false, unitStride };
  const ops = {
    A: { storage: DY, perImage: g.OH * g.OW * g.Cout },
    F,
    bias: null,
    out: { perImage: g.H * g.W * g.Cin },
    batch: g.batch,
    rowsPerImage: g.H * g.W,
  };
  return run(ex, { kernel: k, label, v, ops, N: g.Cin, geometry: geometryParams(g), K: { KC: g.Cout, taps: g.KH * g.KW, opRows: M }, gemm });
}

function checked(k: string, t: TensorInfo): GpuStorage {
  const s = asGpuStorage(k, t.storage);
  if (s.size !== sizeOf(t.shape)) throw new Error(`${k}: storage holds ${s.size} elements, not ${sizeOf(t.shape)} for ${fmtShape(t.shape)}`);
  return s;
}

/** An operand indexed by image: `perImage` elements per image of the batch. */
interface Batched {
  storage: GpuStorage;
  perImage: number;
}

type Geometry = [string, number, ('u32' | 'i32')?][];

/** A whole convolution: its variant, operands, output columns, geometry and what the plan needs. */
interface ConvRun {
  kernel: string;
  label: string;
  v: VariantFlags;
  ops: { A: Batched; F: GpuStorage; bias: GpuStorage | null; out: { perImage: number }; batch: number; rowsPerImage: number };
  N: number;
  geometry: Geometry;
  /** K = taps × KC; `opRows`: the op's output rows (the direct block is chosen for them). */
  K: { KC: number; taps: number; opRows: number };
  gemm: GemmSelection;
}

/**
 * Dispatches the whole batch at once when every operand is one buffer; otherwise in pieces of
 * whole images whose ranges each fit one binding (windows.ts). Where not even one image (or the
 * filter) fits, the shader reads the chunks directly (limited by the storage-buffer count).
 */
function run(ex: GpuExecutor, r: ConvRun): GpuStorage {
  const { ops, label } = r;
  const out = ex.alloc(ops.batch * ops.out.perImage);
  const whole = (s: ConvStorages, images: number, offs: Offsets): void => dispatchConv(ex, r, { s, M: images * ops.rowsPerImage, offs });
  const single = [ops.A.storage, ops.F, out, ...(ops.bias ? [ops.bias] : [])].every((s) => s.chunks.length <= 1);
  const cap = windowCapacity(ex.chunkElems);
  const perPiece = Math.floor(cap / Math.max(ops.A.perImage, ops.out.perImage, 1));
  if (single || perPiece === 0 || ops.F.size > cap) {
    whole({ A: ops.A.storage, F: ops.F, bias: ops.bias, out }, ops.batch, [0, 0, 0, 0]);
    return out;
  }
  const wf = openWindow(ex, label, { storage: ops.F, start: 0, length: ops.F.size }, true);
  const wbias = ops.bias ? openWindow(ex, label, { storage: ops.bias, start: 0, length: ops.bias.size }, true) : null;
  for (let i0 = 0; i0 < ops.batch; i0 += perPiece) {
    const n = Math.min(perPiece, ops.batch - i0);
    const aStart = i0 * ops.A.perImage;
    const cStart = i0 * ops.out.perImage;
    const wa = openWindow(ex, label, { storage: ops.A.storage, start: aStart, length: n * ops.A.perImage }, true);
    const wc = openWindow(ex, label, { storage: out, start: cStart, length: n * ops.out.perImage }, false);
    whole({ A: wa.storage, F: wf.storage, bias: wbias?.storage ?? null, out: wc.storage }, n, [
      deltaParam(wa) + aStart,
      deltaParam(wf),
      wbias ? deltaParam(wbias) : 0,
      deltaParam(wc) + cStart,
    ]);
    closeWindow(ex, label, wa, { storage: ops.A.storage, start: aStart, length: n * ops.A.perImage }, false);
    closeWindow(ex, label, wc, { storage: out, start: cStart, length: n * ops.out.perImage }, true);
  }
  closeWindow(ex, label, wf, { storage: ops.F, start: 0, length: ops.F.size }, false);
  if (wbias && ops.bias) closeWindow(ex, label, wbias, { storage: ops.bias, start: 0, length: ops.bias.size }, false);
  return out;
}

interface ConvStorages {
  A: GpuStorage;
  F: GpuStorage;
  bias: GpuStorage | null;
  out: GpuStorage;
}

/** Element offsets of A, the filter, the bias and the output in their bindings. */
type Offsets = [number, number, number, number];

/** One dispatch (a piece of `M` rows), planned by gemm-plan.ts: tiled or direct. */
function dispatchConv(ex: GpuExecutor, r: ConvRun, piece: { s: ConvStorages; M: number; offs: Offsets }): void {
  const { kernel, label, v: v0, N, geometry, K } = r;
  const { s, M } = piece;
  const [aOff, fOff, biasOff, outOff] = piece.offs;
  // Offsets that are not multiples of 4 (windows keep alignment, so only odd sizes) turn vec4 off.
  const flags: VariantFlags = {
    ...v0,
    vecK: v0.vecK && aOff % 4 === 0 && fOff % 4 === 0,
    vecOut: v0.vecOut && fOff % 4 === 0 && biasOff % 4 === 0 && outOff % 4 === 0,
  };
  const op = flags.dir === 'forward' ? 'conv2d' : 'conv2dBackpropInput';
  const shape = { op, M, N, KC: K.KC, taps: K.taps, vecK: flags.vecK, vecOut: flags.vecOut, opRows: K.opRows } as const;
  const plan = planGemm(shape, gemmDevice(ex, r.gemm), r.gemm.choice);
  if (plan.family === 'tiled') {
    dispatchTiled(ex, { kernel, label, v: flags, plan, s, M, N, geometry, offs: { a: aOff, f: fOff, bias: biasOff, out: outOff } });
    return;
  }
  if (plan.family !== 'direct') throw new Error(`${label}: no ${plan.family} kernel for convolutions`);
  dispatchDirect(ex, { kernel, label, v: { ...flags, t: plan.block }, plan, s, M, N, geometry, KC: K.KC, offs: piece.offs });
}

/** The direct kernel, its taps split in `plan.segments` (then summed with the bias and ReLU). */
function dispatchDirect(
  ex: GpuExecutor,
  d: { kernel: string; label: string; v: Variant; plan: DirectPlan; s: ConvStorages; M: number; N: number; geometry: Geometry; KC: number; offs: Offsets },
): void {
  const { kernel, label, v, plan, s, M, N, geometry } = d;
  const [aOff, fOff, biasOff, outOff] = d.offs;
  const { t } = v;
  const fwd = v.dir === 'forward';
  const gx = Math.ceil(N / (4 * t.CN * t.WX));
  const [gy, gz] = rowGrid(Math.ceil(M / (t.RM * t.WY)), ex.limits.maxComputeWorkgroupsPerDimension);
  const S = plan.segments;
  const tapsPerSegment = plan.segmentLength;
  const split = S > 1;
  // Split, the segments write partial outputs; the bias and ReLU come with their sum.
  const body: Variant = split ? { ...v, bias: false, relu: false, splitTaps: true } : v;
  const dst = split ? ex.alloc(S * M * N) : s.out;
  const operands: Operand[] = [
    { name: 'A', storage: s.A, type: v.vecK ? 'vec4' : 'f32' },
    // Forward reads filter rows along the output channels, backward along the reduced ones.
    { name: 'F', storage: s.F, type: (fwd ? v.vecOut : v.vecK) ? 'vec4' : 'f32' },
  ];
  if (s.bias && !split) operands.push({ name: 'bias', storage: s.bias, type: v.vecOut ? 'vec4' : 'f32' });
  operands.push({ name: 'out', storage: dst, type: v.vecOut ? 'vec4' : 'f32', write: true });
  ex.dispatch({
    kernel,
    label,
    variant: `${v.dir}|k${+v.vecK}o${+v.vecOut}b${+body.bias}r${+body.relu}u${+v.unitStride}s${+split}|${t.RM}x${t.CN}|${t.WX}x${t.WY}`,
    operands,
    params: [
      ['M', M],
      ['N', N],
      ...geometry,
      ['aOff', aOff >>> 0],
      ['fOff', fOff >>> 0],
      ['biasOff', biasOff >>> 0],
      ['outOff', split ? 0 : outOff >>> 0],
      ['tapsPerSeg', tapsPerSegment],
    ],
    workgroups: split ? [gx, gy, S] : [gx, gy, gz],
    // Per tap a loop over the reduced channels (in vec4s when vecK), inside loops over the taps.
    loopIterations: tapsPerSegment * (v.vecK ? d.KC / 4 : d.KC) + 2 * tapsPerSegment,
    body: () => pixelGemmWgsl(body),
  });
  if (split) finishSplit(ex, { kernel, label, partials: dst, s, S, M, N, v, offs: { bias: biasOff, out: outOff } });
}

function pixelGemmWgsl(v: Variant): string {
  const { t } = v;
  const fwd = v.dir === 'forward';
  const rows = range(t.RM);
  const kk4 = range(4);
  // Per row: the GEMM row's pixel, and how it maps to the pixels A is read from.
  const rowSetup = rows
    .map((r) =>
      fwd
        ? `let m_${r} = min(m0 + ${r}u, p.M - 1u); let img_${r} = m_${r} / (p.OH * p.OW); let pix_${r} = m_${r} - img_${r} * p.OH * p.OW;
  let oh_${r} = pix_${r} / p.OW; let ow_${r} = pix_${r} - oh_${r} * p.OW;
  let y0_${r} = i32(oh_${r} * p.sh) - p.pt; let x0_${r} = i32(ow_${r} * p.sw) - p.pl; let base_${r} = img_${r} * p.H * p.W;`
        : `let m_${r} = min(m0 + ${r}u, p.M - 1u); let img_${r} = m_${r} / (p.H * p.W); let pix_${r} = m_${r} - img_${r} * p.H * p.W;
  let h_${r} = pix_${r} / p.W; let w_${r} = pix_${r} - h_${r} * p.W;
  let y0_${r} = i32(h_${r}) + p.pt; let x0_${r} = i32(w_${r}) + p.pl; let base_${r} = img_${r} * p.OH * p.OW;`,
    )
    .join('\n  ');
  // Per row and tap: is the tap inside the image, and the offset of its channel vector in A.
  const tapSetup = rows
    .map((r) =>
      fwd
        ? `let ty_${r} = y0_${r} + i32(ky * p.dh); let tx_${r} = x0_${r} + i32(kx * p.dw);
      let ok_${r} = ty_${r} >= 0 && ty_${r} < i32(p.H) && tx_${r} >= 0 && tx_${r} < i32(p.W);
      let ao_${r} = p.aOff + select(0u, (base_${r} + u32(ty_${r}) * p.W + u32(tx_${r})) * p.Cin, ok_${r});`
        : `let sy_${r} = y0_${r} - i32(ky * p.dh); let sx_${r} = x0_${r} - i32(kx * p.dw);
      ${
        v.unitStride
          ? `let oy_${r} = sy_${r}; let ox_${r} = sx_${r};
      let ok_${r} = sy_${r} >= 0 && sx_${r} >= 0 && oy_${r} < i32(p.OH) && ox_${r} < i32(p.OW);`
          : `let oy_${r} = sy_${r} / i32(p.sh); let ox_${r} = sx_${r} / i32(p.sw);
      let ok_${r} = sy_${r} >= 0 && sx_${r} >= 0 && oy_${r} * i32(p.sh) == sy_${r} && ox_${r} * i32(p.sw) == sx_${r} && oy_${r} < i32(p.OH) && ox_${r} < i32(p.OW);`
      }
      let ao_${r} = p.aOff + select(0u, (base_${r} + u32(oy_${r}) * p.OW + u32(ox_${r})) * p.Cout, ok_${r});`,
    )
    .join('\n      ');
  const KC = fwd ? 'p.Cin' : 'p.Cout';
  // Filter element for (tap, k-channel c, output column n): forward w[tap, c, n], backward w[tap, n, c].
  const fIndex = (c: string, n: string): string => (fwd ? `p.fOff + (fb + ${c}) * p.Cout + ${n}` : `p.fOff + (fb + ${n}) * p.Cout + ${c}`);

  let vecLoop = '';
  if (v.vecK) {
    const loadA = rows.map((r) => `let a_${r} = select(vec4<f32>(0.0), A_ld4((ao_${r} + kc) >> 2u), ok_${r});`).join('\n        ');
    let loadB: string;
    if (fwd) {
      loadB = kk4
        .flatMap((kk) =>
          range(t.CN).map((c) =>
            v.vecOut
              ? `let b_${kk}_${c} = F_ld4((${fIndex(`kc + ${kk}u`, `nv_${c}`)}) >> 2u);`
              : `let b_${kk}_${c} = vec4<f32>(${range(4).map((q) => `F_ld(${fIndex(`kc + ${kk}u`, `ncol_${4 * c + q}`)})`).join(', ')});`,
          ),
        )
        .join('\n        ');
    } else {
      // Backward, vecK: one vec4 per output column holds 4 consecutive k-channels.
      loadB = range(4 * t.CN)
        .map((j) => `let ft_${j} = F_ld4((${fIndex('kc', `ncol_${j}`)}) >> 2u);`)
        .concat(kk4.flatMap((kk) => range(t.CN).map((c) => `let b_${kk}_${c} = vec4<f32>(${range(4).map((q) => `ft_${4 * c + q}[${kk}]`).join(', ')});`)))
        .join('\n        ');
    }
    vecLoop = `for (var kc = 0u; kc < ${KC}; kc += 4u) {
        ${loadA}
        ${loadB}
        ${kk4.map((kk) => fmaStep(t, (r) => `a_${r}[${kk}]`, (c) => `b_${kk}_${c}`)).join('\n        ')}
      }`;
  }
  const bOne = (c: number): string =>
    fwd && v.vecOut
      ? `F_ld4((${fIndex('kc', `nv_${c}`)}) >> 2u)`
      : `vec4<f32>(${range(4).map((q) => `F_ld(${fIndex('kc', `ncol_${4 * c + q}`)})`).join(', ')})`;
  const scalarLoop = `for (var kc = 0u; kc < ${KC}; kc += 1u) {
        ${fmaStep(t, (r) => `select(0.0, A_ld(ao_${r} + kc), ok_${r})`, bOne)}
      }`;

  const transform = (val: string, c: number): string => {
    let e = val;
    if (v.bias) {
      e = v.vecOut
        ? `(${e} + bias_ld4((p.biasOff + nv_${c}) >> 2u))`
        : `(${e} + vec4<f32>(${range(4).map((q) => `bias_ld(p.biasOff + ncol_${4 * c + q})`).join(', ')}))`;
    }
    if (v.relu) e = `relu4(${e})`;
    return e;
  };

  return `
fn relu4(x: vec4<f32>) -> vec4<f32> { return select(x, vec4<f32>(0.0), x < vec4<f32>(0.0)); }
@compute @workgroup_size(${t.WX}, ${t.WY})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let n0 = (wid.x * ${t.WX}u + lid.x) * ${4 * t.CN}u;
  let m0 = ((wid.y${v.splitTaps ? '' : ' + wid.z * nwg.y'}) * ${t.WY}u + lid.y) * ${t.RM}u;
  if (n0 >= p.N || m0 >= p.M) { return; }
  ${rowSetup}
  ${clampedColumns(t, 'n0', 'p.N')}
  ${v.vecOut ? clampedVecColumns(t, 'n0', 'p.N') : ''}
  ${declareAccumulators(t)}
  ${
    v.splitTaps
      ? `// Segment wid.z: taps t0 … t1 - 1 (grid z holds segments, never rows, when split).
  let t0 = wid.z * p.tapsPerSeg; let t1 = min(t0 + p.tapsPerSeg, p.KH * p.KW);
  for (var tap = t0; tap < t1; tap++) {
    let ky = tap / p.KW; let kx = tap - ky * p.KW;
    {`
      : `for (var ky = 0u; ky < p.KH; ky++) {
    for (var kx = 0u; kx < p.KW; kx++) {`
  }
      ${tapSetup}
      let fb = (ky * p.KW + kx) * p.Cin;
      ${v.vecK ? vecLoop : scalarLoop}
    }
  }
  ${storeBlock(t, { base: v.splitTaps ? 'p.outOff + wid.z * p.M * p.N' : 'p.outOff', rows: 'p.M', cols: 'p.N', ld: 'p.N', m0: 'm0', n0: 'n0', vecOut: v.vecOut }, transform)}
}`;
}
