/**
 * Where every GEMM-shaped op (matmul, conv2d, conv2dBackpropInput, conv2dBackpropFilter) gets its
 * kernel: `planGemm(problem, device, choice)` returns a GemmPlan, a value naming the family of
 * kernels and every setting it runs with; the kernels (kernels/*.ts) only carry plans out. The
 * choice is the backend's own ('auto'), a tuned one (gemm-autotune.ts) or a forced one
 * (benchmarks); see gemm-choice.ts. The shapes and sizes behind the defaults are in
 * gemm-shapes.ts.
 */
import type { GemmChoice, Tiling } from './gemm-choice.js';
import { rowGrid } from './kernels/conv-geometry.js';
import { chooseSplitK, chooseTiling, matvecSegments, planTiled, tapSegments, type GemmDevice, type GemmDims, type TiledPlan } from './gemm-shapes.js';

export type { GemmChoice, GemmDevice, TiledPlan, Tiling };

/** How the backend asks for GEMM kernels: the device's kind and the choice for the problem. */
export interface GemmSelection {
  softwareAdapter: boolean;
  choice: GemmChoice;
}

/** The GemmDevice of an executor (whose limits, binding size and loop budget it has) and a selection. */
export function gemmDevice(ex: Omit<GemmDevice, 'softwareAdapter'>, gemm: GemmSelection): GemmDevice {
  return { softwareAdapter: gemm.softwareAdapter, limits: ex.limits, chunkElems: ex.chunkElems, loopBudget: ex.loopBudget };
}

/** Largest row count the matvec kernels take (one accumulator per row and invocation). */
export const MATVEC_MAX_ROWS = 4;

export type GemmProblemShape = MatmulShape | ConvShape | FilterGradShape;

/** out[b] = op(A[b]) · op(B[b]): M×N outputs per batch over K. */
export interface MatmulShape {
  op: 'matmul';
  M: number;
  N: number;
  K: number;
  /** Batch of the output, and of A (B is shared by the batch when its batch is 1). */
  batch: number;
  batchA: number;
  sharedB: boolean;
  transA: boolean;
  transB: boolean;
  /** The matvec kernels can take the operands (matvecApplies: layout, grid and bindings, with matvecSegments' split). */
  matvecFits: boolean;
  /** The operands' chunks fit one dispatch's storage bindings (for the tiled kernel). */
  bindingsFit: boolean;
  /** A and B are one buffer each (with an output that fits one binding, one dispatch can do it all). */
  singleBuffers: boolean;
}

/** One dispatch of conv2d (forward) or conv2dBackpropInput: M×N outputs over taps × KC. */
export interface ConvShape extends GemmDims {
  op: 'conv2d' | 'conv2dBackpropInput';
  /** Rows of the whole op (the direct kernels' block is chosen for these, whatever the piece). */
  opRows: number;
}

/** conv2dBackpropFilter: M = taps·Cin rows × N = Cout columns, reduced over P pixels. */
export interface FilterGradShape {
  op: 'conv2dBackpropFilter';
  M: number;
  N: number;
  P: number;
  /** x and dy are one buffer each. */
  singleBuffers: boolean;
}

export interface MatvecPlan {
  family: 'matvec';
  /** K split into segments summed afterwards (1: none), of segmentLength (a multiple of 4). */
  segments: number;
  segmentLength: number;
}

export type TiledGemmPlan = { family: 'tiled' } & TiledPlan;

export interface DirectPlan {
  family: 'direct';
  block: Tiling;
  /** K (taps for convolutions, pixels for the filter gradient) split into segments summed afterwards; 1: none. */
  segments: number;
  segmentLength: number;
  /** One dispatch (per piece) covers the whole K; false: the kernel goes over K in ranges or pieces. */
  whole: boolean;
}

export type GemmPlan = MatvecPlan | TiledGemmPlan | DirectPlan;

/**
 * The plan for one GEMM-shaped problem on `device` under `choice` (see the file comment).
 * Defaults, from sweeps on an H200 and on llvmpipe (docs/benchmarks.md): software adapters run
 * everything on the direct kernels; real GPUs run products of 1–4 rows against a shared B on the
 * matvec kernels, non-transposed products and convolutions whose channels are multiples of 16 on
 * the tiled kernel, and the rest (filter gradients, transposed products, odd channels) direct.
 */
export function planGemm(problem: GemmProblemShape, device: GemmDevice, choice: GemmChoice): GemmPlan {
  switch (problem.op) {
    case 'matmul':
      return planMatmul(problem, device, choice);
    case 'conv2d':
    case 'conv2dBackpropInput':
      return planConv(problem, device, choice);
    case 'conv2dBackpropFilter':
      return planFilterGrad(problem, device, choice);
  }
}

function planMatmul(p: MatmulShape, device: GemmDevice, choice: GemmChoice): GemmPlan {
  const block = chooseTiling(p.M, p.N, device, choice, true);
  const rows = p.batchA * p.M;
  const matvecOff = device.softwareAdapter || (choice.family === 'direct' && !choice.block);
  // Dense layers at batch 1–4 on a GPU: bandwidth-bound products with kernels of their own.
  if (!matvecOff && p.sharedB && !p.transA && rows <= MATVEC_MAX_ROWS && p.matvecFits) {
    const { S, kSeg } = matvecSegments(p, device.loopBudget);
    return { family: 'matvec', segments: S, segmentLength: kSeg };
  }
  if (p.sharedB && !p.transA && !p.transB && p.bindingsFit) {
    // One B for every batch: a 1×1 convolution over batch·M pixels, for the tiled kernel.
    const tiled = planTiled({ M: rows, N: p.N, KC: p.K, taps: 1, vecK: p.K % 4 === 0, vecOut: p.N % 4 === 0, forward: true }, device, choice);
    if (tiled) return { family: 'tiled', ...tiled };
  }
  const kMax = matmulMaxK(device.loopBudget);
  const outSize = p.batch * p.M * p.N;
  if (p.singleBuffers && outSize <= device.chunkElems) {
    const gx = Math.ceil(p.N / (4 * block.CN * block.WX));
    const gy = Math.ceil(p.M / (block.RM * block.WY));
    let { S, kSeg } = chooseSplitK(gx * gy * p.batch, p.K, device.softwareAdapter);
    if (kSeg > kMax) {
      // More segments, each within the adapter's loop budget.
      kSeg = Math.ceil(p.K / Math.ceil(p.K / kMax) / 4) * 4;
      S = Math.ceil(p.K / kSeg);
    }
    // Partial products must fit one binding too; otherwise no split-K, and a K still over the
    // loop budget goes in pieces, which cut K to it.
    const split = S > 1 && S * outSize <= device.chunkElems ? { S, kSeg } : { S: 1, kSeg: p.K };
    if (split.kSeg <= kMax) return { family: 'direct', block, segments: split.S, segmentLength: split.kSeg, whole: true };
  }
  return { family: 'direct', block, segments: 1, segmentLength: Math.min(p.K, kMax), whole: false };
}

/**
 * The longest K one matmul dispatch may cover: the kernel's loop runs K/4 steps and up to 3
 * single ones, and the adapter completes only so many.
 */
export function matmulMaxK(loopBudget: number): number {
  return Number.isFinite(loopBudget) ? Math.max(4, 4 * (loopBudget - 3)) : Infinity;
}

function planConv(p: ConvShape, device: GemmDevice, choice: GemmChoice): GemmPlan {
  const forward = p.op === 'conv2d';
  const tiled = planTiled({ M: p.M, N: p.N, KC: p.KC, taps: p.taps, vecK: p.vecK, vecOut: p.vecOut, forward }, device, choice);
  if (tiled) return { family: 'tiled', ...tiled };
  const block = chooseTiling(p.opRows, p.N, device, choice, false);
  const S = tapSegments({ M: p.M, N: p.N, taps: p.taps, block }, device, choice);
  return { family: 'direct', block, segments: S, segmentLength: Math.ceil(p.taps / S), whole: true };
}

function planFilterGrad(p: FilterGradShape, device: GemmDevice, choice: GemmChoice): DirectPlan {
  const block = chooseTiling(p.M, p.N, device, choice, true);
  // Pixels one invocation may walk; Infinity on GPUs.
  const maxPixels = Math.max(1, device.loopBudget);
  if (p.singleBuffers && p.M * p.N <= device.chunkElems) {
    const gx = Math.ceil(p.N / (4 * block.CN * block.WX));
    const [gy, gz] = rowGrid(Math.ceil(p.M / (block.RM * block.WY)), device.limits.maxComputeWorkgroupsPerDimension);
    let split = chooseSplitK(gx * gy * gz, p.P, device.softwareAdapter);
    if (split.kSeg > maxPixels) {
      const kSeg = Math.ceil(p.P / Math.ceil(p.P / maxPixels));
      split = { S: Math.ceil(p.P / kSeg), kSeg };
    }
    // Segments go in grid z, which must be free of rows; their partial filters must fit one binding.
    const S = gz === 1 && split.S * p.M * p.N <= device.chunkElems ? split.S : 1;
    if (S > 1 || p.P <= maxPixels) return { family: 'direct', block, segments: S, segmentLength: S > 1 ? split.kSeg : p.P, whole: true };
  }
  return { family: 'direct', block, segments: 1, segmentLength: Math.min(p.P, maxPixels), whole: false };
}
