/**
 * NHWC depthwise convolution (x [N, H, W, C], filter [kh, kw, C, M], output channel c·M + m) and
 * its two gradients, one invocation per element, or per 4 channels as a vec4 when M = 1 and C is
 * a multiple of 4 (MobileNet's layers): a depthwise convolution does a few multiply-adds per
 * value read, so a plain gather is as good as a GEMM tiling would be.
 *
 * - forward: each output element sums its in-range taps, then bias and ReLU.
 * - input gradient: each input element gathers the outputs whose windows read it (the tap's
 *   output row (ih + top − i·dh) / sh must be whole and in range), over its M output channels:
 *   no scatter, so no float atomics, deterministic.
 * - filter gradient: a sum over every output pixel, too long for one invocation under
 *   llvmpipe's loop budget, so the pixels are cut into segments of SEGMENT, each written as a
 *   partial filter, then added by the split-K finish (split-finish.ts).
 *
 * Tensors beyond one binding are bound in chunks like every operand (wgsl.ts accessors), so the
 * 128 MiB binding limit needs nothing here.
 */
import type { Conv2DParams, TensorInfo } from '../../backend.js';
import { depthwiseGeometry } from '../../conv-geometry.js';
import { sizeOf, type Shape } from '../../../tensor/shape.js';
import type { GpuExecutor, Operand } from '../executor.js';
import { asGpuStorage, type GpuStorage } from '../gpu-storage.js';
import { fmtShape } from './conv-geometry.js';
import { finishSplit } from './split-finish.js';
import { channelGroupsMain, FLAT_WORKGROUP, flatEntry, flatIndex } from '../wgsl.js';

const WG = 128;
/** Output pixels one filter-gradient invocation sums (well inside llvmpipe's 65,535 iterations). */
const SEGMENT = 1024;

type Geometry = ReturnType<typeof depthwiseGeometry>;

function input(label: string, t: TensorInfo): GpuStorage {
  const s = asGpuStorage(label, t.storage);
  if (s.size !== sizeOf(t.shape)) throw new Error(`${label}: storage holds ${s.size} elements, not ${sizeOf(t.shape)}`);
  return s;
}

/** Every size the kernels read, as uniform parameters (C is the output's C·M channels). */
function geometryParams(g: Geometry): [string, number, ('i32' | 'u32')?][] {
  return [
    ['H', g.inH], ['W', g.inW], ['Cin', g.inC], ['M', g.multiplier], ['OH', g.outH], ['OW', g.outW],
    ['kh', g.kh], ['kw', g.kw], ['sh', g.sh], ['sw', g.sw], ['dh', g.dh], ['dw', g.dw],
    ['pt', g.top, 'i32'], ['pl', g.left, 'i32'],
  ];
}

/** vec4 over channels: a multiplier of 1 (output channel = input channel) and C a multiple of 4. */
const isVec = (g: Geometry): boolean => g.multiplier === 1 && g.inC % 4 === 0;

function loads(vec: boolean): { T: string; ld: (name: string, idx: string) => string; st: string } {
  return vec
    ? { T: 'vec4<f32>', ld: (name, idx) => `${name}_ld4((${idx}) >> 2u)`, st: 'out_st4(gid, acc);' }
    : { T: 'f32', ld: (name, idx) => `${name}_ld(${idx})`, st: 'out_st(gid, acc);' };
}

export function depthwiseConv2d(ex: GpuExecutor, x: TensorInfo, filter: TensorInfo, bias: TensorInfo | null, p: Conv2DParams, relu: boolean): GpuStorage {
  const label = `webgpu.depthwiseConv2d x ${fmtShape(x.shape)} w ${fmtShape(filter.shape)}`;
  const g = depthwiseGeometry(label, x.shape, filter.shape, p);
  const outSize = g.batch * g.outH * g.outW * g.outC;
  const out = ex.alloc(outSize);
  if (outSize === 0) return out;
  const vec = isVec(g);
  const { T, ld, st } = loads(vec);
  const type = vec ? ('vec4' as const) : ('f32' as const);
  const operands: Operand[] = [
    { name: 'x', storage: input(label, x), type },
    { name: 'w', storage: input(label, filter), type },
    ...(bias ? [{ name: 'b', storage: input(label, bias), type }] : []),
    { name: 'out', storage: out, type, write: true },
  ];
  const count = outSize / (vec ? 4 : 1);
  ex.dispatch({
    kernel: 'webgpu.depthwiseConv2d',
    label,
    variant: `v${+vec}b${+!!bias}r${+relu}`,
    operands,
    params: [['count', count], ['C', g.outC], ...geometryParams(g)],
    workgroups: ex.grid(Math.ceil(count / WG)),
    loopIterations: g.kh * g.kw + g.kh,
    body: () => `${channelGroupsMain(WG, vec ? 4 : 1)}
  let ow = pixel % p.OW; let oh = (pixel / p.OW) % p.OH; let n = pixel / (p.OW * p.OH);
  let ci = c / p.M;
  var acc = ${bias ? ld('b', 'c') : `${T}(0.0)`};
  for (var i = 0u; i < p.kh; i++) {
    let ih = i32(oh * p.sh + i * p.dh) - p.pt;
    if (ih < 0 || ih >= i32(p.H)) { continue; }
    for (var j = 0u; j < p.kw; j++) {
      let iw = i32(ow * p.sw + j * p.dw) - p.pl;
      if (iw < 0 || iw >= i32(p.W)) { continue; }
      acc += ${ld('x', '((n * p.H + u32(ih)) * p.W + u32(iw)) * p.Cin + ci')} * ${ld('w', '(i * p.kw + j) * p.C + c')};
    }
  }
  ${relu ? `acc = max(acc, ${T}(0.0));` : ''}
  ${st}
}`,
  });
  return out;
}

export function depthwiseConv2dBackpropInput(ex: GpuExecutor, dy: TensorInfo, filter: TensorInfo, xShape: Shape, p: Conv2DParams): GpuStorage {
  const label = `webgpu.depthwiseConv2dBackpropInput dy ${fmtShape(dy.shape)} w ${fmtShape(filter.shape)} x ${fmtShape(xShape)}`;
  const g = depthwiseGeometry(label, xShape, filter.shape, p);
  const size = sizeOf(xShape);
  const out = ex.alloc(size);
  if (size === 0) return out;
  if (sizeOf(dy.shape) === 0) throw new Error(`${label}: empty dy for a non-empty input`);
  const vec = isVec(g);
  const { T, ld, st } = loads(vec);
  const type = vec ? ('vec4' as const) : ('f32' as const);
  const count = size / (vec ? 4 : 1);
  ex.dispatch({
    kernel: 'webgpu.depthwiseConv2dBackpropInput',
    label,
    variant: `v${+vec}`,
    operands: [
      { name: 'dy', storage: input(label, dy), type },
      { name: 'w', storage: input(label, filter), type },
      { name: 'out', storage: out, type, write: true },
    ],
    // Here the walked tensor is x, so C is the input's channels; the output's are Cin·M.
    params: [['count', count], ['C', g.inC], ['CM', g.outC], ...geometryParams(g)],
    workgroups: ex.grid(Math.ceil(count / WG)),
    loopIterations: g.kh * g.kw * g.multiplier + g.kh * g.kw + g.kh,
    body: () => `${channelGroupsMain(WG, vec ? 4 : 1)}
  let w = pixel % p.W; let h = (pixel / p.W) % p.H; let n = pixel / (p.W * p.H);
  var acc = ${T}(0.0);
  for (var i = 0u; i < p.kh; i++) {
    let ty = i32(h) + p.pt - i32(i * p.dh);
    if (ty < 0 || u32(ty) % p.sh != 0u || u32(ty) / p.sh >= p.OH) { continue; }
    let oh = u32(ty) / p.sh;
    for (var j = 0u; j < p.kw; j++) {
      let tx = i32(w) + p.pl - i32(j * p.dw);
      if (tx < 0 || u32(tx) % p.sw != 0u || u32(tx) / p.sw >= p.OW) { continue; }
      let ow = u32(tx) / p.sw;
      let o = ((n * p.OH + oh) * p.OW + ow) * p.CM + c * p.M;
      let t = (i * p.kw + j) * p.CM + c * p.M;
      for (var m = 0u; m < p.M; m++) {
        acc += ${ld('dy', 'o + m')} * ${ld('w', 't + m')};
      }
    }
  }
  ${st}
}`,
  });
  return out;
}

export function depthwiseConv2dBackpropFilter(ex: GpuExecutor, x: TensorInfo, dy: TensorInfo, filterShape: Shape, p: Conv2DParams): GpuStorage {
  const label = `webgpu.depthwiseConv2dBackpropFilter x ${fmtShape(x.shape)} dy ${fmtShape(dy.shape)} w ${fmtShape(filterShape)}`;
  const kernel = 'webgpu.depthwiseConv2dBackpropFilter';
  const g = depthwiseGeometry(label, x.shape, filterShape, p);
  const size = sizeOf(filterShape);
  const pixels = g.batch * g.outH * g.outW;
  if (size === 0 || pixels === 0) {
    const out = ex.alloc(size);
    if (size > 0) throw new Error(`${label}: no output pixels to sum over`);
    return out;
  }
  const vec = isVec(g);
  const lanes = vec ? 4 : 1;
  const { T, ld } = loads(vec);
  const type = vec ? ('vec4' as const) : ('f32' as const);
  const S = Math.ceil(pixels / SEGMENT);
  // One segment writes the result itself; more write partial filters for the finish to add.
  const partials = ex.alloc(S * size);
  const groups = size / lanes;
  ex.dispatch({
    kernel,
    label,
    variant: `v${+vec}`,
    operands: [
      { name: 'x', storage: input(label, x), type },
      { name: 'dy', storage: input(label, dy), type },
      { name: 'out', storage: partials, type, write: true },
    ],
    params: [['count', S * groups], ['groups', groups], ['pixels', pixels], ['C', g.outC], ...geometryParams(g)],
    workgroups: ex.grid(Math.ceil((S * groups) / WG)),
    loopIterations: SEGMENT,
    body: () => `${FLAT_WORKGROUP}
${flatEntry(WG)} {
  ${flatIndex(WG)}
  if (gid >= p.count) { return; }
  let s = gid / p.groups;
  let e = (gid - s * p.groups) * ${lanes}u;
  let tap = e / p.C; let c = e - tap * p.C;
  let i = tap / p.kw; let j = tap - i * p.kw;
  let ci = c / p.M;
  var acc = ${T}(0.0);
  let end = min(p.pixels, (s + 1u) * ${SEGMENT}u);
  for (var q = s * ${SEGMENT}u; q < end; q++) {
    let ow = q % p.OW; let oh = (q / p.OW) % p.OH; let n = q / (p.OW * p.OH);
    let ih = i32(oh * p.sh + i * p.dh) - p.pt;
    let iw = i32(ow * p.sw + j * p.dw) - p.pl;
    if (ih < 0 || ih >= i32(p.H) || iw < 0 || iw >= i32(p.W)) { continue; }
    acc += ${ld('x', '((n * p.H + u32(ih)) * p.W + u32(iw)) * p.Cin + ci')} * ${ld('dy', 'q * p.C + c')};
  }
  ${vec ? 'out_st4(gid, acc);' : 'out_st(gid, acc);'}
}`,
  });
  if (S === 1) return partials;
  const out = ex.alloc(size);
  finishSplit(ex, {
    kernel, label, partials, s: { bias: null, out }, S, M: 1, N: size,
    v: { bias: false, relu: false, vecOut: size % 4 === 0 }, offs: { bias: 0, out: 0 },
  });
  return out;
}
