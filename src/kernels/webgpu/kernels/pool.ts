/**
 * NHWC max and average pooling and their gradients, one invocation per output (forward) or per
 * input cell (backward), handling 4 channels as a vec4 when C is a multiple of 4.
 *
 * Windows are clipped to the input: padded cells never win a max and are not counted in an
 * average. The backward passes gather instead of scatter: an input cell visits the windows that
 * contain it — for max pooling it recomputes each window's first maximum (strict `>` in row-major
 * window order, as the CPU does) and takes dy only where that maximum is itself — so no float
 * atomics are needed and results are deterministic.
 */
import type { Pool2DParams, TensorInfo } from '../../backend.js';
import { sizeOf, type Shape } from '../../../tensor/shape.js';
import type { GpuExecutor } from '../executor.js';
import { asGpuStorage, type GpuStorage } from '../gpu-storage.js';
import { fmtShape } from './conv-geometry.js';
import { channelGroupsMain } from '../wgsl.js';

const WG = 128;

interface PoolGeometry {
  batch: number;
  H: number;
  W: number;
  C: number;
  OH: number;
  OW: number;
}

function geometry(label: string, xShape: Shape, p: Pool2DParams): PoolGeometry {
  if (xShape.length !== 4) throw new Error(`${label}: expected an NHWC input`);
  const [batch, H, W, C] = xShape as [number, number, number, number];
  const [kh, kw] = p.window;
  const [sh, sw] = p.strides;
  if (![kh, kw, sh, sw].every((v) => Number.isInteger(v) && v >= 1)) throw new Error(`${label}: window and strides must be positive integers`);
  const { top, bottom, left, right } = p.pad;
  const wantH = Math.max(0, Math.floor((H + top + bottom - kh) / sh) + 1);
  const wantW = Math.max(0, Math.floor((W + left + right - kw) / sw) + 1);
  if (p.outHeight !== wantH || p.outWidth !== wantW) {
    throw new Error(`${label}: output ${p.outHeight}×${p.outWidth} does not match these parameters (expected ${wantH}×${wantW})`);
  }
  return { batch, H, W, C, OH: p.outHeight, OW: p.outWidth };
}

type PoolKind = 'maxPool2d' | 'maxPool2dBackward' | 'avgPool2d' | 'avgPool2dBackward';

/** The most loop iterations one invocation runs (windows, and windows containing a cell). */
function loopIterations(kind: PoolKind, p: Pool2DParams): number {
  const [kh, kw] = p.window;
  const window = kh * kw + kh;
  const rows = Math.ceil(kh / p.strides[0]);
  const containing = rows * Math.ceil(kw / p.strides[1]) + rows;
  if (kind === 'maxPool2dBackward') return containing * (window + 1);
  return kind === 'avgPool2dBackward' ? containing : window;
}

function dispatchPool(
  ex: GpuExecutor,
  d: { kind: PoolKind; label: string; g: PoolGeometry; p: Pool2DParams; inputs: { name: string; storage: GpuStorage }[]; outSize: number },
): GpuStorage {
  const { kind, label, g, p, inputs, outSize } = d;
  const out = ex.alloc(outSize);
  if (outSize === 0) return out;
  if (inputs.some((i) => i.storage.size === 0)) {
    throw new Error(`${label}: empty input for a non-empty output`);
  }
  const vec = g.C % 4 === 0;
  const lanes = vec ? 4 : 1;
  const count = outSize / lanes;
  const T = vec ? 'vec4<f32>' : 'f32';
  const ld = (name: string, idx: string): string => (vec ? `${name}_ld4((${idx}) >> 2u)` : `${name}_ld(${idx})`);
  ex.dispatch({
    kernel: `webgpu.${kind}`,
    label,
    variant: vec ? 'v4' : 's',
    operands: [
      ...inputs.map((i) => ({ name: i.name, storage: i.storage, type: vec ? ('vec4' as const) : ('f32' as const) })),
      { name: 'out', storage: out, type: vec ? 'vec4' : 'f32', write: true },
    ],
    params: [
      ['count', count],
      ['H', g.H],
      ['W', g.W],
      ['C', g.C],
      ['OH', g.OH],
      ['OW', g.OW],
      ['kh', p.window[0]],
      ['kw', p.window[1]],
      ['sh', p.strides[0]],
      ['sw', p.strides[1]],
      ['pt', p.pad.top, 'i32'],
      ['pl', p.pad.left, 'i32'],
    ],
    workgroups: ex.grid(Math.ceil(count / WG)),
    loopIterations: loopIterations(kind, p),
    body: () => `${channelGroupsMain(WG, lanes)}
${BODIES[kind](T, ld)}
}`,
  });
  return out;
}

/** The window of output (oh, ow) clipped to the input: rows [h0, h1), columns [w0, w1). */
const WINDOW = `
  let hs = i32(oh * p.sh) - p.pt; let ws = i32(ow * p.sw) - p.pl;
  let h0 = u32(max(hs, 0)); let h1 = u32(min(hs + i32(p.kh), i32(p.H)));
  let w0 = u32(max(ws, 0)); let w1 = u32(min(ws + i32(p.kw), i32(p.W)));`;

/** Outputs (oh, ow) whose windows contain input cell (h, w): oh in [oh0, oh1], ow in [ow0, ow1]. */
const CONTAINING = `
  let ty = i32(h) + p.pt; let tx = i32(w) + p.pl;
  let oh0 = u32(max(0, (ty - i32(p.kh) + i32(p.sh)) / i32(p.sh)));
  let ow0 = u32(max(0, (tx - i32(p.kw) + i32(p.sw)) / i32(p.sw)));
  let oh1 = min(u32(ty) / p.sh + 1u, p.OH);
  let ow1 = min(u32(tx) / p.sw + 1u, p.OW);`;

const BODIES: Record<PoolKind, (T: string, ld: (name: string, idx: string) => string) => string> = {
  maxPool2d: (T, ld) => `
  let ow = pixel % p.OW; let oh = (pixel / p.OW) % p.OH; let n = pixel / (p.OW * p.OH);${WINDOW}
  var best = ${T}(-f32_inf());
  for (var h = h0; h < h1; h++) {
    for (var w = w0; w < w1; w++) {
      let v = ${ld('x', '((n * p.H + h) * p.W + w) * p.C + c')};
      best = select(best, v, v > best);
    }
  }
  ${T === 'f32' ? 'out_st(gid, best);' : 'out_st4(gid, best);'}`,

  maxPool2dBackward: (T, ld) => {
    const U = T === 'f32' ? 'u32' : 'vec4<u32>';
    return `
  let w = pixel % p.W; let h = (pixel / p.W) % p.H; let n = pixel / (p.W * p.H);
  let me = ${U}(h * p.W + w);${CONTAINING}
  var grad = ${T}(0.0);
  for (var oh = oh0; oh < oh1; oh++) {
    for (var ow = ow0; ow < ow1; ow++) {${WINDOW}
      var best = ${T}(-f32_inf());
      var at = ${U}(0xffffffffu);
      for (var hh = h0; hh < h1; hh++) {
        for (var ww = w0; ww < w1; ww++) {
          let v = ${ld('x', '((n * p.H + hh) * p.W + ww) * p.C + c')};
          let better = v > best;
          best = select(best, v, better);
          at = select(at, ${U}(hh * p.W + ww), better);
        }
      }
      let g = ${ld('dy', '((n * p.OH + oh) * p.OW + ow) * p.C + c')};
      grad += select(${T}(0.0), g, at == me);
    }
  }
  ${T === 'f32' ? 'out_st(gid, grad);' : 'out_st4(gid, grad);'}`;
  },

  avgPool2d: (T, ld) => `
  let ow = pixel % p.OW; let oh = (pixel / p.OW) % p.OH; let n = pixel / (p.OW * p.OH);${WINDOW}
  var sum = ${T}(0.0);
  for (var h = h0; h < h1; h++) {
    for (var w = w0; w < w1; w++) {
      sum += ${ld('x', '((n * p.H + h) * p.W + w) * p.C + c')};
    }
  }
  let v = sum / f32((h1 - h0) * (w1 - w0));
  ${T === 'f32' ? 'out_st(gid, v);' : 'out_st4(gid, v);'}`,

  avgPool2dBackward: (T, ld) => `
  let w = pixel % p.W; let h = (pixel / p.W) % p.H; let n = pixel / (p.W * p.H);${CONTAINING}
  var grad = ${T}(0.0);
  for (var oh = oh0; oh < oh1; oh++) {
    for (var ow = ow0; ow < ow1; ow++) {${WINDOW}
      grad += ${ld('dy', '((n * p.OH + oh) * p.OW + ow) * p.C + c')} / f32((h1 - h0) * (w1 - w0));
    }
  }
  ${T === 'f32' ? 'out_st(gid, grad);' : 'out_st4(gid, grad);'}`,
};

function input(label: string, t: TensorInfo): GpuStorage {
  const s = asGpuStorage(label, t.storage);
  if (s.size !== sizeOf(t.shape)) throw new Error(`${label}: storage holds ${s.size} elements, not ${sizeOf(t.shape)}`);
  return s;
}

export function maxPool2d(ex: GpuExecutor, x: TensorInfo, p: Pool2DParams): GpuStorage {
  const label = `webgpu.maxPool2d x ${fmtShape(x.shape)} window [${p.window.join(',')}]`;
  const g = geometry(label, x.shape, p);
  return dispatchPool(ex, { kind: 'maxPool2d', label, g, p, inputs: [{ name: 'x', storage: input(label, x) }], outSize: g.batch * g.OH * g.OW * g.C });
}

export function maxPool2dBackward(ex: GpuExecutor, x: TensorInfo, dy: TensorInfo, p: Pool2DParams): GpuStorage {
  const label = `webgpu.maxPool2dBackward x ${fmtShape(x.shape)} dy ${fmtShape(dy.shape)} window [${p.window.join(',')}]`;
  const g = geometry(label, x.shape, p);
  checkDy(label, dy.shape, g);
  const inputs = [
    { name: 'x', storage: input(label, x) },
    { name: 'dy', storage: input(label, dy) },
  ];
  return dispatchPool(ex, { kind: 'maxPool2dBackward', label, g, p, inputs, outSize: sizeOf(x.shape) });
}

export function avgPool2d(ex: GpuExecutor, x: TensorInfo, p: Pool2DParams): GpuStorage {
  const label = `webgpu.avgPool2d x ${fmtShape(x.shape)} window [${p.window.join(',')}]`;
  const g = geometry(label, x.shape, p);
  return dispatchPool(ex, { kind: 'avgPool2d', label, g, p, inputs: [{ name: 'x', storage: input(label, x) }], outSize: g.batch * g.OH * g.OW * g.C });
}

export function avgPool2dBackward(ex: GpuExecutor, dy: TensorInfo, xShape: Shape, p: Pool2DParams): GpuStorage {
  const label = `webgpu.avgPool2dBackward dy ${fmtShape(dy.shape)} x ${fmtShape(xShape)} window [${p.window.join(',')}]`;
  const g = geometry(label, xShape, p);
  checkDy(label, dy.shape, g);
  return dispatchPool(ex, { kind: 'avgPool2dBackward', label, g, p, inputs: [{ name: 'dy', storage: input(label, dy) }], outSize: sizeOf(xShape) });
}

function checkDy(label: string, dyShape: Shape, g: PoolGeometry): void {
  const want = [g.batch, g.OH, g.OW, g.C];
  if (dyShape.length !== 4 || dyShape.some((d, i) => d !== want[i])) throw new Error(`${label}: dy must be ${fmtShape(want)}`);
}
