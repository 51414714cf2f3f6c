/**
 * Shared pieces of the WebAssembly convolution tests: a runner that splits every call into a
 * given number of chunks (so a partitioned call is exercised exactly as threads would issue it),
 * a bump scratch allocator, random convolution cases and the float64 CPU oracle with an
 * element-wise error bound built from the same products taken in absolute value.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { Conv2DParams } from '../../src/kernels/backend.js';
import { kernelExport, splitRange, type KernelHandle, type KernelRunner, type ScratchAllocator } from '../../src/kernels/wasm/kernel-runner.js';
import type { WasmFeatures } from '../../src/kernels/wasm/features.js';
import {
  conv2dBackpropFilter, conv2dBackpropInput, conv2dForward, type WasmConvContext,
} from '../../src/kernels/wasm/wasm-conv.js';
import { backend, input, readOut } from './cpu-helpers.js';

/** Calls every kernel over `parts` chunks of its items, one after the other, on this thread. */
export class ChunkedRunner implements KernelRunner {
  private readonly handles = new Map<string, KernelHandle>();
  readonly calls: { name: string; key: string; total: number }[] = [];
  constructor(readonly memory: WebAssembly.Memory, readonly threads: number) {}
  load(key: string, module: WebAssembly.Module): KernelHandle {
    let h = this.handles.get(key);
    if (h === undefined) {
      h = { key, exports: new WebAssembly.Instance(module, { env: { memory: this.memory } }).exports };
      this.handles.set(key, h);
    }
    return h;
  }
  parallelFor(kernel: KernelHandle, name: string, args: readonly number[], total: number, grain?: number): void {
    this.calls.push({ name: `${kernel.key.split(':')[0]}.${name}`, key: kernel.key, total });
    for (const [s, e] of splitRange(total, this.threads, grain)) kernelExport(kernel, name)(...args, s, e);
  }
  dispose(): void {
    this.handles.clear();
  }
}

/** Hands out 16-byte aligned addresses upwards, growing the memory; `free` checks the address was handed out. */
export class BumpScratch implements ScratchAllocator {
  private next: number;
  readonly live = new Set<number>();
  constructor(private readonly memory: WebAssembly.Memory, start: number) {
    this.next = start;
  }
  alloc(bytes: number): number {
    const at = Math.ceil(this.next / 16) * 16;
    this.next = at + bytes;
    const need = Math.ceil(this.next / 65536) - this.memory.buffer.byteLength / 65536;
    if (need > 0) this.memory.grow(need);
    this.live.add(at);
    return at;
  }
  free(address: number): void {
    if (!this.live.delete(address)) throw new Error(`scratch ${address} freed twice or never allocated`);
  }
  top(): number {
    return this.next;
  }
}

export interface ConvCase {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outC: number;
  kh: number;
  kw: number;
  p: Conv2DParams;
  bias: boolean;
  relu: boolean;
}

export function outSize(inSize: number, k: number, s: number, d: number, before: number, after: number): number {
  return Math.floor((inSize + before + after - ((k - 1) * d + 1)) / s) + 1;
}

export function makeCase(c: Omit<ConvCase, 'p'> & { strides: [number, number]; dilations: [number, number]; pad: [number, number, number, number] }): ConvCase {
  const [top, bottom, left, right] = c.pad;
  const p: Conv2DParams = {
    strides: c.strides, dilations: c.dilations, pad: { top, bottom, left, right },
    outHeight: outSize(c.inH, c.kh, c.strides[0], c.dilations[0], top, bottom),
    outWidth: outSize(c.inW, c.kw, c.strides[1], c.dilations[1], left, right),
  };
  return { batch: c.batch, inH: c.inH, inW: c.inW, inC: c.inC, outC: c.outC, kh: c.kh, kw: c.kw, p, bias: c.bias, relu: c.relu };
}

/** Random geometries: strides and dilations 1–2, asymmetric padding, odd channel counts, batch 1–2; output ≥ 1×1. */
export const caseArb: fc.Arbitrary<ConvCase> = fc
  .record({
    batch: fc.integer({ min: 1, max: 2 }), inH: fc.integer({ min: 1, max: 9 }), inW: fc.integer({ min: 1, max: 9 }),
    inC: fc.integer({ min: 1, max: 21 }), outC: fc.integer({ min: 1, max: 37 }),
    kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }),
    strides: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
    dilations: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
    pad: fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)),
    bias: fc.boolean(), relu: fc.boolean(),
  })
  .map(makeCase)
  .filter((c) => c.p.outHeight >= 1 && c.p.outWidth >= 1);

/** Deterministic values in [−2, 2), already float32. */
export function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s / 2 ** 32) * 4 - 2;
  });
}

export type Pass = 'forward' | 'inputGrad' | 'filterGrad';

export interface PassResult {
  got: Float32Array;
  want: Float64Array;
  /** Σ |products| per element (the float64 conv of absolute values): the scale of rounding error. */
  sumAbs: Float64Array;
  /** Products per output element, the K of the summation bound. */
  terms: number;
  /** Every kernel call, as `module.export` and item count. */
  calls: { name: string; key: string; total: number }[];
  guardIntact: boolean;
}

/**
 * Runs `pass` of `c` in WebAssembly (tensors at 16-byte offsets, output pre-filled with NaN) and on
 * the float64 oracle; on a fresh memory and a ChunkedRunner of `parts` chunks, or on `env`'s.
 */
export function runPass(
  c: ConvCase, pass: Pass, features: WasmFeatures, parts = 1, seed = 1, env?: { memory: WebAssembly.Memory; runner: KernelRunner },
): PassResult {
  const xShape = [c.batch, c.inH, c.inW, c.inC];
  const wShape = [c.kh, c.kw, c.inC, c.outC];
  const yShape = [c.batch, c.p.outHeight, c.p.outWidth, c.outC];
  const size = (s: number[]): number => s.reduce((a, b) => a * b, 1);
  const x = values(size(xShape), seed);
  const w = values(size(wShape), seed + 1);
  const b = values(c.outC, seed + 2);
  const dy = values(size(yShape), seed + 3);
  const memory = env?.memory ?? new WebAssembly.Memory({ initial: 1 });
  const scratch = new BumpScratch(memory, 64);
  const place = (v: Float32Array): number => {
    const at = scratch.alloc(v.length * 4 + 16);
    new Float32Array(memory.buffer, at, v.length).set(v);
    return at;
  };
  const outShape = pass === 'forward' ? yShape : pass === 'inputGrad' ? xShape : wShape;
  const [xAt, wAt, bAt, dyAt] = [place(x), place(w), place(b), place(dy)];
  const outAt = place(new Float32Array(size(outShape) + 1).fill(Number.NaN));
  const chunked = env === undefined ? new ChunkedRunner(memory, parts) : null;
  const runner = env?.runner ?? chunked!;
  const ctx: WasmConvContext = { runner, scratch, features };
  const live = scratch.live.size;
  if (pass === 'forward') {
    conv2dForward(ctx, { address: xAt, shape: xShape }, { address: wAt, shape: wShape }, c.bias ? { address: bAt, shape: [c.outC] } : null, outAt, c.p, c.relu);
  } else if (pass === 'inputGrad') {
    conv2dBackpropInput(ctx, { address: dyAt, shape: yShape }, { address: wAt, shape: wShape }, outAt, xShape, c.p);
  } else {
    conv2dBackpropFilter(ctx, { address: xAt, shape: xShape }, { address: dyAt, shape: yShape }, outAt, wShape, c.p);
  }
  expect(scratch.live.size, 'scratch freed').toBe(live);
  const all = new Float32Array(memory.buffer, outAt, size(outShape) + 1).slice();
  const abs = (v: Float32Array): Float32Array => v.map(Math.abs);
  const oracle = (xv: Float32Array, wv: Float32Array, bv: Float32Array | null, dyv: Float32Array, relu: boolean): Float64Array => {
    const t = (v: Float32Array, s: number[]) => input(v, s, 'float64');
    if (pass === 'forward') return readOut(backend.conv2d(t(xv, xShape), t(wv, wShape), bv && t(bv, [c.outC]), c.p, relu), yShape, 'float64') as Float64Array;
    if (pass === 'inputGrad') return readOut(backend.conv2dBackpropInput(t(dyv, yShape), t(wv, wShape), xShape, c.p), xShape, 'float64') as Float64Array;
    return readOut(backend.conv2dBackpropFilter(t(xv, xShape), t(dyv, yShape), wShape, c.p), wShape, 'float64') as Float64Array;
  };
  const want = oracle(x, w, c.bias ? b : null, dy, c.relu);
  const sumAbs = oracle(abs(x), abs(w), c.bias ? abs(b) : null, abs(dy), false);
  const terms = pass === 'forward' ? c.kh * c.kw * c.inC + 1 : pass === 'inputGrad' ? c.kh * c.kw * c.outC : c.batch * c.p.outHeight * c.p.outWidth;
  return { got: all.subarray(0, all.length - 1), want, sumAbs, terms, calls: chunked?.calls ?? [], guardIntact: Number.isNaN(all[all.length - 1]!) };
}

/** Element-wise: |got − want| ≤ factor·(terms + 2)·2⁻²⁴·Σ|products| (+ a denormal floor), naming the first miss. */
export function expectWithinBound(r: PassResult, factor: number, label: string): void {
  expect(r.guardIntact, `${label}: the word after the output was written`).toBe(true);
  expect(r.got.length).toBe(r.want.length);
  for (let i = 0; i < r.want.length; i++) {
    const tol = factor * (r.terms + 2) * 2 ** -24 * r.sumAbs[i]! + 1e-30;
    const err = Math.abs(r.got[i]! - r.want[i]!);
    if (!(err <= tol)) expect.fail(`${label}: element ${i} is ${r.got[i]}, the oracle ${r.want[i]} (error ${err.toExponential(2)} > ${tol.toExponential(2)})`);
  }
}

/** Relative L2 error ‖got − want‖ / ‖want‖. */
export function relativeL2(r: PassResult): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < r.want.length; i++) {
    num += (r.got[i]! - r.want[i]!) ** 2;
    den += r.want[i]! ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-300));
}
