/**
 * Bilinear resizing with half-pixel centres (TF2, PyTorch align_corners=false), NHWC. Output
 * index d samples the input at s = max(0, (d + 0.5)·in/out − 0.5), between lo = min(⌊s⌋, in−1)
 * and hi = min(lo + 1, in − 1) with weight s − lo on hi.
 *
 * The backward pass is a gather: each input cell finds the outputs whose lo or hi is itself. The
 * candidates along an axis are the d with s(d) in (i − 1, i + 1), a range computed from the
 * inverse of s with a margin of one, then tested exactly with the forward formula — so forward
 * and backward agree on every sample even where float32 rounding moves s across an integer.
 */
import type { TensorInfo } from '../../backend.js';
import { sizeOf, type Shape } from '../../../tensor/shape.js';
import type { GpuExecutor } from '../executor.js';
import { asGpuStorage, type GpuStorage } from '../gpu-storage.js';
import { fmtShape } from './conv-geometry.js';
import { fill } from './layout.js';
import { channelGroupsMain } from '../wgsl.js';

const WG = 128;

/** Sample position helpers for one axis, shared by both kernels. */
const SAMPLE = `
fn sample_pos(d: u32, scale: f32) -> f32 { return max(0.0, (f32(d) + 0.5) * scale - 0.5); }
fn sample_lo(s: f32, n: u32) -> u32 { return min(u32(floor(s)), n - 1u); }
`;

export function resizeBilinear(ex: GpuExecutor, x: TensorInfo, outH: number, outW: number): GpuStorage {
  const label = `webgpu.resizeBilinear x ${fmtShape(x.shape)} -> ${outH}×${outW}`;
  if (x.shape.length !== 4) throw new Error(`${label}: expected an NHWC input`);
  if (!(Number.isInteger(outH) && Number.isInteger(outW) && outH >= 0 && outW >= 0)) throw new Error(`${label}: bad output size`);
  const [batch, H, W, C] = x.shape as [number, number, number, number];
  const X = asGpuStorage(label, x.storage);
  if (X.size !== sizeOf(x.shape)) throw new Error(`${label}: storage size does not match the shape`);
  const size = batch * outH * outW * C;
  if (size === 0) return ex.alloc(0);
  if (H === 0 || W === 0) throw new Error(`${label}: cannot resize an empty image`);
  return dispatch(ex, { kind: 'resizeBilinear', label, src: X, size, C, dims: [H, W, outH, outW] });
}

export function resizeBilinearBackward(ex: GpuExecutor, dy: TensorInfo, xShape: Shape): GpuStorage {
  const label = `webgpu.resizeBilinearBackward dy ${fmtShape(dy.shape)} x ${fmtShape(xShape)}`;
  if (xShape.length !== 4 || dy.shape.length !== 4) throw new Error(`${label}: expected NHWC shapes`);
  const [batch, H, W, C] = xShape as [number, number, number, number];
  const [db, outH, outW, dc] = dy.shape as [number, number, number, number];
  if (db !== batch || dc !== C) throw new Error(`${label}: dy does not fit the input`);
  const DY = asGpuStorage(label, dy.storage);
  if (DY.size !== sizeOf(dy.shape)) throw new Error(`${label}: storage size does not match the shape`);
  const size = sizeOf(xShape);
  if (size === 0) return ex.alloc(0);
  if (DY.size === 0) return fill(ex, size, 0);
  return dispatch(ex, { kind: 'resizeBilinearBackward', label, src: DY, size, C, dims: [H, W, outH, outW] });
}

function dispatch(
  ex: GpuExecutor,
  d: { kind: 'resizeBilinear' | 'resizeBilinearBackward'; label: string; src: GpuStorage; size: number; C: number; dims: [number, number, number, number] },
): GpuStorage {
  const { kind, label, src, size, C } = d;
  const [H, W, outH, outW] = d.dims;
  const out = ex.alloc(size);
  const vec = C % 4 === 0;
  const lanes = vec ? 4 : 1;
  const T = vec ? 'vec4<f32>' : 'f32';
  const ld = (idx: string): string => (vec ? `src_ld4((${idx}) >> 2u)` : `src_ld(${idx})`);
  const st = vec ? 'out_st4' : 'out_st';
  // The gradient gathers, per input cell, from about 2·out/in outputs per axis (plus slack).
  const gatherRows = Math.ceil((2 * outH) / H) + 4;
  const gatherCols = Math.ceil((2 * outW) / W) + 4;
  const body =
    kind === 'resizeBilinear'
      ? `
  let ox = pixel % p.OW; let oy = (pixel / p.OW) % p.OH; let n = pixel / (p.OW * p.OH);
  let sy = sample_pos(oy, p.scaleH); let y0 = sample_lo(sy, p.H); let y1 = min(y0 + 1u, p.H - 1u); let fy = sy - f32(y0);
  let sx = sample_pos(ox, p.scaleW); let x0 = sample_lo(sx, p.W); let x1 = min(x0 + 1u, p.W - 1u); let fx = sx - f32(x0);
  let r0 = (n * p.H + y0) * p.W; let r1 = (n * p.H + y1) * p.W;
  let a = ${ld('(r0 + x0) * p.C + c')}; let b = ${ld('(r0 + x1) * p.C + c')};
  let d = ${ld('(r1 + x0) * p.C + c')}; let e2 = ${ld('(r1 + x1) * p.C + c')};
  let top = a + (b - a) * fx;
  let bottom = d + (e2 - d) * fx;
  ${st}(gid, top + (bottom - top) * fy);`
      : `
  let x = pixel % p.W; let y = (pixel / p.W) % p.H; let n = pixel / (p.W * p.H);
  // Candidate outputs: s(d) in (i - 1, i + 1)  <=>  d in ((i - 0.5) / scale - 0.5, (i + 1.5) / scale - 0.5).
  let dy0 = u32(max(0.0, floor((f32(y) - 0.5) / p.scaleH - 0.5) - 1.0));
  let dy1 = min(p.OH, u32(max(0.0, ceil((f32(y) + 1.5) / p.scaleH - 0.5) + 2.0)));
  let dx0 = u32(max(0.0, floor((f32(x) - 0.5) / p.scaleW - 0.5) - 1.0));
  let dx1 = min(p.OW, u32(max(0.0, ceil((f32(x) + 1.5) / p.scaleW - 0.5) + 2.0)));
  var grad = ${T}(0.0);
  for (var oy = dy0; oy < dy1; oy++) {
    let sy = sample_pos(oy, p.scaleH); let y0 = sample_lo(sy, p.H); let y1 = min(y0 + 1u, p.H - 1u); let fy = sy - f32(y0);
    let wy = select(0.0, 1.0 - fy, y0 == y) + select(0.0, fy, y1 == y);
    if (y0 != y && y1 != y) { continue; }
    for (var ox = dx0; ox < dx1; ox++) {
      let sx = sample_pos(ox, p.scaleW); let x0 = sample_lo(sx, p.W); let x1 = min(x0 + 1u, p.W - 1u); let fx = sx - f32(x0);
      let wx = select(0.0, 1.0 - fx, x0 == x) + select(0.0, fx, x1 == x);
      if (x0 != x && x1 != x) { continue; }
      grad += ${ld('((n * p.OH + oy) * p.OW + ox) * p.C + c')} * (wy * wx);
    }
  }
  ${st}(gid, grad);`;
  ex.dispatch({
    kernel: `webgpu.${kind}`,
    label,
    variant: vec ? 'v4' : 's',
    operands: [
      { name: 'src', storage: src, type: vec ? 'vec4' : 'f32' },
      { name: 'out', storage: out, type: vec ? 'vec4' : 'f32', write: true },
    ],
    params: [
      ['count', size / lanes],
      ['H', H],
      ['W', W],
      ['C', C],
      ['OH', outH],
      ['OW', outW],
      ['scaleH', H / outH, 'f32'],
      ['scaleW', W / outW, 'f32'],
    ],
    workgroups: ex.grid(Math.ceil(size / lanes / WG)),
    loopIterations: kind === 'resizeBilinear' ? 0 : gatherRows * gatherCols + gatherRows,
    body: () => `${SAMPLE}${channelGroupsMain(WG, lanes)}
${body}
}`,
  });
  return out;
}
