/**
 * Layout kernels. All of them are one strided copy, dst[dstBase + Σ c·ds] = src[srcBase + Σ c·ss]
 * over an iteration shape: transpose (permuted source strides), slice (a base offset), broadcastTo
 * (zero strides), concat (one copy per input into its place in the output) and pad (fill, then
 * copy into the interior). `fill` is its own trivial kernel.
 */
import type { TensorInfo } from '../../backend.js';
import { sizeOf, type Shape } from '../../../tensor/shape.js';
import type { GpuExecutor } from '../executor.js';
import { asGpuStorage, type GpuStorage } from '../gpu-storage.js';
import { addressing, broadcastStrides, collapse, contiguousStrides, decomposeWgsl, offsetWgsl } from '../strided-index.js';
import { FLAT_WORKGROUP, flatEntry } from '../wgsl.js';
import { runFlat } from '../flat-pieces.js';

const WG = 256;

const fmt = (s: Shape): string => `[${s.join(',')}]`;

export function fill(ex: GpuExecutor, size: number, value: number): GpuStorage {
  const out = ex.alloc(size);
  fillInto(ex, out, value);
  return out;
}

function fillInto(ex: GpuExecutor, out: GpuStorage, value: number): void {
  if (out.size === 0) return;
  const vec = out.size % 4 === 0;
  runFlat(ex, {
    kernel: 'webgpu.fill',
    label: `webgpu.fill ${out.size} elements`,
    variant: vec ? 'v4' : 's',
    shape: [out.size],
    operands: [{ name: 'out', storage: out, mode: 'linear', strides: [1], base: 0, type: vec ? 'vec4' : 'f32', write: true }],
    params: [['value', value, 'f32']],
    lanes: vec ? 4 : 1,
    workgroupSize: WG,
    body: () => `${FLAT_WORKGROUP}
${flatEntry(WG)} {
  let gid = p.start + flat_wg(wid, nwg) * ${WG}u + lid;
  if (gid >= p.end) { return; }
  ${vec ? 'out_st4(gid + p.outo, vec4<f32>(p.value));' : 'out_st(gid + p.outo, p.value);'}
}`,
  });
}

/** The generic strided copy (see the file comment). */
interface StridedCopy {
  kernel: string;
  label: string;
  src: GpuStorage;
  dst: GpuStorage;
  /** The elements copied, walked in this shape with these strides and bases on each side. */
  shape: Shape;
  srcStrides: readonly number[];
  srcBase: number;
  dstStrides: readonly number[];
  dstBase: number;
}

function stridedCopy(ex: GpuExecutor, c: StridedCopy): void {
  const { kernel, label, src, dst, shape, srcStrides, srcBase, dstStrides, dstBase } = c;
  const count = sizeOf(shape);
  if (count === 0) return;
  const prob = collapse(shape, [dstStrides, srcStrides]);
  const rank = prob.shape.length;
  const dstMode = addressing(prob, 0);
  const srcMode = addressing(prob, 1);
  const params: [string, number][] = [];
  prob.shape.forEach((d, i) => params.push([`d${i}`, d]));
  prob.strides[0]!.forEach((s, i) => params.push([`dsts${i}`, s]));
  prob.strides[1]!.forEach((s, i) => params.push([`srcs${i}`, s]));
  const needCoords = dstMode === 'strided' || srcMode === 'strided';
  const index = (name: string, mode: string): string =>
    mode === 'strided' ? offsetWgsl(rank, name, true) : mode === 'scalar' ? `p.${name}o` : `gid + p.${name}o`;
  runFlat(ex, {
    kernel,
    label,
    variant: `copy|${dstMode}|${srcMode}|r${needCoords ? rank : 0}`,
    shape: rank > 0 ? prob.shape : [1],
    operands: [
      { name: 'src', storage: src, mode: srcMode, strides: prob.strides[1]!, base: srcBase, type: 'f32' },
      { name: 'dst', storage: dst, mode: dstMode, strides: prob.strides[0]!, base: dstBase, type: 'f32', write: true },
    ],
    params,
    lanes: 1,
    workgroupSize: WG,
    body: () => `${FLAT_WORKGROUP}
${flatEntry(WG)} {
  let gid = p.start + flat_wg(wid, nwg) * ${WG}u + lid;
  if (gid >= p.end) { return; }
  ${needCoords ? decomposeWgsl(rank, '') : ''}
  dst_st(${index('dst', dstMode)}, src_ld(${index('src', srcMode)}));
}`,
  });
}

function input(kernel: string, x: TensorInfo): GpuStorage {
  const s = asGpuStorage(kernel, x.storage);
  if (s.size !== sizeOf(x.shape)) throw new Error(`${kernel}: storage holds ${s.size} elements, not ${sizeOf(x.shape)} for ${fmt(x.shape)}`);
  return s;
}

export function copy(ex: GpuExecutor, x: TensorInfo): GpuStorage {
  const src = input('webgpu.cast', x);
  const out = ex.alloc(src.size);
  if (src.size > 0) ex.copyStorage('webgpu.cast', src, out);
  return out;
}

export function transpose(ex: GpuExecutor, x: TensorInfo, perm: readonly number[]): GpuStorage {
  const k = 'webgpu.transpose';
  const src = input(k, x);
  if (perm.length !== x.shape.length || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
    throw new Error(`${k}: perm [${perm.join(', ')}] is not a permutation of the axes of ${fmt(x.shape)}`);
  }
  const outShape = perm.map((p) => x.shape[p]!);
  const xs = contiguousStrides(x.shape);
  const out = ex.alloc(src.size);
  stridedCopy(ex, { kernel: k, label: `${k} ${fmt(x.shape)} perm [${perm.join(',')}]`, src, dst: out, shape: outShape, srcStrides: perm.map((p) => xs[p]!), srcBase: 0, dstStrides: contiguousStrides(outShape), dstBase: 0 });
  return out;
}

export function slice(ex: GpuExecutor, x: TensorInfo, begin: readonly number[], size: readonly number[]): GpuStorage {
  const k = 'webgpu.slice';
  const src = input(k, x);
  const label = `${k} ${fmt(x.shape)} begin [${begin.join(',')}] size [${size.join(',')}]`;
  if (begin.length !== x.shape.length || size.length !== x.shape.length) throw new Error(`${label}: begin and size need one entry per axis`);
  x.shape.forEach((d, i) => {
    const b = begin[i]!;
    const s = size[i]!;
    if (!(Number.isInteger(b) && Number.isInteger(s) && b >= 0 && s >= 0 && b + s <= d)) throw new Error(`${label}: out of bounds on axis ${i}`);
  });
  const xs = contiguousStrides(x.shape);
  const base = begin.reduce((acc, b, i) => acc + b * xs[i]!, 0);
  const out = ex.alloc(sizeOf(size));
  stridedCopy(ex, { kernel: k, label, src, dst: out, shape: size, srcStrides: xs, srcBase: base, dstStrides: contiguousStrides(size), dstBase: 0 });
  return out;
}

export function broadcastTo(ex: GpuExecutor, x: TensorInfo, shape: Shape): GpuStorage {
  const k = 'webgpu.broadcastTo';
  const src = input(k, x);
  const label = `${k} ${fmt(x.shape)} -> ${fmt(shape)}`;
  if (x.shape.length !== shape.length || x.shape.some((d, i) => d !== 1 && d !== shape[i])) {
    throw new Error(`${label}: shapes do not broadcast (ranks must already agree)`);
  }
  const out = ex.alloc(sizeOf(shape));
  stridedCopy(ex, { kernel: k, label, src, dst: out, shape, srcStrides: broadcastStrides(x.shape, shape), srcBase: 0, dstStrides: contiguousStrides(shape), dstBase: 0 });
  return out;
}

export function concat(ex: GpuExecutor, xs: readonly TensorInfo[], axis: number): GpuStorage {
  const k = 'webgpu.concat';
  const first = xs[0];
  if (!first) throw new Error(`${k}: needs at least one input`);
  const label = `${k} ${xs.map((x) => fmt(x.shape)).join(' ')} axis ${axis}`;
  const rank = first.shape.length;
  if (!(Number.isInteger(axis) && axis >= 0 && axis < rank)) throw new Error(`${label}: axis out of range`);
  for (const x of xs) {
    if (x.shape.length !== rank || x.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
      throw new Error(`${label}: inputs must agree on every axis but ${axis}`);
    }
  }
  const outShape = [...first.shape];
  outShape[axis] = xs.reduce((n, x) => n + x.shape[axis]!, 0);
  const outStrides = contiguousStrides(outShape);
  const out = ex.alloc(sizeOf(outShape));
  let offset = 0;
  for (const x of xs) {
    const src = input(k, x);
    stridedCopy(ex, { kernel: k, label, src, dst: out, shape: x.shape, srcStrides: contiguousStrides(x.shape), srcBase: 0, dstStrides: outStrides, dstBase: offset * outStrides[axis]! });
    offset += x.shape[axis]!;
  }
  return out;
}

export function pad(ex: GpuExecutor, x: TensorInfo, paddings: readonly (readonly [number, number])[], value: number): GpuStorage {
  const k = 'webgpu.pad';
  const src = input(k, x);
  const label = `${k} ${fmt(x.shape)} paddings ${JSON.stringify(paddings)}`;
  if (paddings.length !== x.shape.length || paddings.some(([b, a]) => !(Number.isInteger(b) && Number.isInteger(a) && b >= 0 && a >= 0))) {
    throw new Error(`${label}: need one non-negative [before, after] pair per axis`);
  }
  const outShape = x.shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
  const outStrides = contiguousStrides(outShape);
  const out = ex.alloc(sizeOf(outShape));
  fillInto(ex, out, value);
  const base = paddings.reduce((acc, [before], i) => acc + before * outStrides[i]!, 0);
  stridedCopy(ex, { kernel: k, label, src, dst: out, shape: x.shape, srcStrides: contiguousStrides(x.shape), srcBase: 0, dstStrides: outStrides, dstBase: base });
  return out;
}
