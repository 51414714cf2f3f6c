/**
 * The sizes behind gemm-plan.ts's plans: the direct kernels' register block, their split-K, the
 * direct convolutions' tap segments, and the workgroup-memory kernel's tile, K step and split.
 * Each rule says which measurement it comes from; docs/benchmarks.md has the sweeps.
 */
import type { GemmChoice, Tiling } from './gemm-choice.js';

/** What a plan depends on besides the problem: the adapter's kind and limits. */
export interface GemmDevice {
  /** A software adapter (llvmpipe, SwiftShader): direct kernels with CPU-friendly shapes. */
  softwareAdapter: boolean;
  limits: { maxComputeWorkgroupStorageSize: number; maxComputeWorkgroupsPerDimension: number };
  /** Elements one binding holds (partial sums of split-K must fit one). */
  chunkElems: number;
  /** Loop iterations one invocation may run (GpuExecutor.loopBudget; Infinity on GPUs). */
  loopBudget: number;
}

/**
 * Block and workgroup shape for an M×N output: the tallest block (most reuse of each B load)
 * that still leaves enough workgroups to keep every core busy. On llvmpipe, where each extra
 * accumulator is cheap next to a gathered load, 16×8 blocks measured 1.5–2× faster than 4×8 on
 * VGG-sized convolutions; GPUs stop at 8×8 (register pressure). Short M (dense layers at batch 1)
 * gets one row per invocation and one row of invocations per workgroup, so that no invocation
 * computes clamped duplicate rows. Few distinct shapes on purpose: each is a pipeline to compile.
 *
 * On GPUs, kernels that cannot split K (`splitK` false: the direct convolutions, which real GPUs
 * use for channel counts the tiled kernel does not take, such as VGG's 3-channel first layer)
 * get workgroups no wider than the output's column groups and blocks down to one row: a 16-wide
 * workgroup over 3 columns (that layer's input gradient) left 15/16 of the invocations idle, and
 * the narrower shapes measured 1.2–1.8× faster on an H200. Kernels that can split K keep the
 * 16×16 workgroups and blocks of at least 4 rows (one-row blocks made the filter gradient 1.3–3.2×
 * slower there) and reach enough workgroups by splitting K instead. A choice's fixed block
 * applies to outputs of 16 rows or more.
 */
export function chooseTiling(M: number, N: number, device: Pick<GemmDevice, 'softwareAdapter'>, choice: GemmChoice, splitK: boolean): Tiling {
  const cpu = device.softwareAdapter;
  const CN = N >= 8 ? 2 : 1;
  const threads = cpu ? 64 : 256;
  if (M < 4) return { RM: 1, CN, WX: threads, WY: 1 };
  if (M < 16) return { RM: 4, CN, WX: threads, WY: 1 };
  if (choice.family === 'direct' && choice.block) return choice.block;
  if (!cpu && !splitK) {
    const groups = Math.ceil(N / (4 * CN));
    const WX = Math.min(16, 2 ** Math.ceil(Math.log2(groups)));
    const WY = threads / WX;
    const colBlocks = Math.ceil(N / (4 * CN * WX));
    for (const RM of [8, 4, 2]) {
      if (Math.ceil(M / (RM * WY)) * colBlocks >= 128) return { RM, CN, WX, WY };
    }
    return { RM: 1, CN, WX, WY };
  }
  const WY = cpu ? 8 : 16;
  const WX = threads / WY;
  const colBlocks = Math.ceil(N / (4 * CN * WX));
  const target = cpu ? 32 : 128;
  for (const RM of cpu ? [16, 8] : [8]) {
    if (Math.ceil(M / (RM * WY)) * colBlocks >= target) return { RM, CN, WX, WY };
  }
  return { RM: 4, CN, WX, WY };
}

/** Number of K segments (split-K) so that enough workgroups exist to fill the device. */
export function chooseSplitK(workgroups: number, K: number, softwareAdapter: boolean): { S: number; kSeg: number } {
  const target = softwareAdapter ? 8 : 128;
  const minSegment = 256;
  if (workgroups >= target || K < 2 * minSegment) return { S: 1, kSeg: roundUp4(K) };
  const S = Math.min(Math.ceil(target / workgroups), Math.floor(K / minSegment), 64);
  const kSeg = roundUp4(Math.ceil(K / S));
  return { S: Math.ceil(K / kSeg), kSeg };
}

function roundUp4(n: number): number {
  return Math.max(4, Math.ceil(n / 4) * 4);
}

/**
 * Tap segments (split-K over the filter taps) for the direct convolution, only where a tiled
 * choice asks for `fillWorkgroups` workgroups on a real GPU and the output makes fewer: VGG's
 * first-layer input gradient (3 output columns, never tiled) made 196 workgroups of 144-step
 * loops at batch 1 on a GPU with room for over a thousand. Not where the rows already use the
 * grid's z dimension; no more segments than the partial outputs fit in one binding.
 */
export function tapSegments(p: { M: number; N: number; taps: number; block: Tiling }, device: GemmDevice, choice: GemmChoice): number {
  const fillTo = choice.family === 'tiled' ? choice.fillWorkgroups : 0;
  const { block: t } = p;
  const gx = Math.ceil(p.N / (4 * t.CN * t.WX));
  const rowBlocks = Math.ceil(p.M / (t.RM * t.WY));
  const maxDim = device.limits.maxComputeWorkgroupsPerDimension;
  const gz = rowBlocks <= maxDim ? 1 : Math.ceil(rowBlocks / maxDim);
  const workgroups = gx * Math.ceil(rowBlocks / gz) * gz;
  if (device.softwareAdapter || !fillTo || p.taps < 2 || gz > 1 || workgroups >= fillTo) return 1;
  const want = Math.min(p.taps, Math.ceil(fillTo / workgroups), Math.floor(device.chunkElems / (p.M * p.N)));
  return want < 2 ? 1 : Math.ceil(p.taps / Math.ceil(p.taps / want));
}

/** The matvec kernels' geometry (matvec.ts): invocations along N (rows kernel) or K (dots kernel), the other workgroup side, and loads in flight per invocation and loop step (they hide memory latency). */
export const MATVEC_LANES = 64;
export const MATVEC_SIDE = 4;
export const MATVEC_UNROLL = 4;

/** A product of a few rows as the matvec kernels see it: B [K, N], or [N, K] with transB. */
export interface MatvecShape {
  N: number;
  K: number;
  transB: boolean;
}

/** Workgroups across the output: 256 columns each (rows kernel) or 4 outputs (dots kernel). */
export function matvecColumnGroups(p: MatvecShape): number {
  return p.transB ? Math.ceil(p.N / MATVEC_SIDE) : Math.ceil(p.N / (4 * MATVEC_LANES));
}

/** K covered by one step of an invocation's loop. */
export function matvecStep(p: MatvecShape): number {
  return MATVEC_UNROLL * (p.transB ? 4 * MATVEC_LANES : MATVEC_SIDE);
}

/**
 * The matvec kernels' K segments: enough workgroups to fill the device (about 1,024, as the tiled
 * kernel's split-K), segments no shorter than 256 k (each invocation should loop a while), and
 * each invocation's loops within the adapter's loop budget. Segments are whole vec4s of K.
 */
export function matvecSegments(p: MatvecShape, loopBudget: number): { S: number; kSeg: number } {
  let S = Math.max(1, Math.min(Math.ceil(1024 / matvecColumnGroups(p)), Math.floor(p.K / 256)));
  // The longest segment one invocation's loops may walk.
  const maxSeg = Number.isFinite(loopBudget) ? (loopBudget - MATVEC_UNROLL) * matvecStep(p) : Infinity;
  S = Math.max(S, Math.ceil(p.K / maxSeg));
  const kSeg = Math.ceil(p.K / S / 4) * 4;
  return { S: Math.max(1, Math.ceil(p.K / kSeg)), kSeg };
}

export interface TiledPlan {
  /** Output rows and columns per workgroup, and the K step. */
  BM: number;
  BN: number;
  BK: number;
  /** vec4s of A and of the filter an invocation copies per step: BM·BK / (4·WG²), BN·BK / (4·WG²). */
  LA: number;
  LB: number;
  /** The workgroup is WG×WG invocations: 16, or 8 for 32×32 tiles. */
  WG: number;
  /** K segments (split-K); 1: none. */
  S: number;
  /** Tile buffers in workgroup memory: 2 overlaps filling one with computing from the other. */
  buffers: 1 | 2;
  /** K steps in all (taps × reduced channels / BK, rounded up with flatK), and per segment. */
  steps: number;
  stepsPerSegment: number;
  /**
   * Steps run over the flattened K (tap, channel) with scalar loads of A, a tap decoded per
   * element: for channel counts no K step divides (VGG's 3-channel first layer), forward only.
   */
  flatK: boolean;
}

/**
 * Tile and split-K defaults, from a sweep on an H200 (bench/tune-gemm.ts; docs/benchmarks.md):
 * 128×128 tiles won on wide outputs with many tiles (VGG at batch 8, matmul 2048³), 64×64 tiles
 * elsewhere; an output of fewer than `SPLIT_BELOW` tiles is split along K until about
 * `FILL_WORKGROUPS` workgroups exist (5–8× faster on 14×14×512 at batch 1), with segments of at
 * least `MIN_SEGMENT_STEPS` steps and at most 16 segments.
 */
const SPLIT_BELOW = 256;
const FILL_WORKGROUPS = 1024;
const MIN_SEGMENT_STEPS = 8;

/** An M×N output reducing over `taps` taps of KC channels. */
export interface GemmDims {
  M: number;
  N: number;
  /** Reduced channels (Cin forward, Cout backward) and filter taps. */
  KC: number;
  taps: number;
  /** The reduced channels and the output channels can be read as vec4s at this dispatch's offsets. */
  vecK: boolean;
  vecOut: boolean;
}

/** The dimensions as the tiled kernel sees them. */
export interface TiledShape extends GemmDims {
  forward: boolean;
}

/**
 * The tile plan, or null where the direct kernel must do: software adapters, a direct choice,
 * outputs whose channels are not multiples of 4, channel counts no K step divides (unless the
 * choice's flatK steps over the flattened K, forward only), tiles that exceed workgroup memory.
 */
export function planTiled(p: TiledShape, device: GemmDevice, choice: GemmChoice): TiledPlan | null {
  if (device.softwareAdapter || choice.family === 'direct' || !p.vecOut) return null;
  const tiled = choice.family === 'tiled' ? choice : null;
  const { M, N, KC, taps } = p;
  const blocks = (b: number): number => Math.ceil(M / b) * Math.ceil(N / b);
  const fill = tiled?.fillWorkgroups ?? FILL_WORKGROUPS;
  const BM = tiled?.tile?.rows ?? (N >= 128 && blocks(128) >= SPLIT_BELOW ? 128 : 64);
  // Square tiles, or 128×64 on request (more reuse per invocation for outputs of 64 columns).
  const BN = tiled?.tile?.cols ?? BM;
  const WG = BM === 32 ? 8 : 16;
  const buffers = tiled?.buffers ?? 2;
  // By default each invocation copies one vec4 of the narrower operand tile per step
  // (min(BM, BN)·BK/4 = WG² fixes the step); a choice may ask for longer steps, fewer barriers
  // for more copies per invocation, where they divide the channels and fit workgroup memory.
  const baseBK = (4 * WG * WG) / Math.min(BM, BN);
  const memory = device.limits.maxComputeWorkgroupStorageSize;
  const bytes = (bk: number): number => buffers * (BM + BN) * bk * 4;
  // 128×64 tiles take 24 KiB with two buffers; some devices offer only 16 (Dawn's Null backend).
  if (bytes(baseBK) > memory) return null;
  const wantBK = tiled?.kStep;
  const fitsMemory = wantBK !== undefined && wantBK > baseBK && bytes(wantBK) <= memory;
  const flatK = !(p.vecK && KC % baseBK === 0);
  if (flatK && !(tiled?.flatK && p.forward && taps * KC > 0)) return null;
  const BK = fitsMemory && (flatK || KC % wantBK === 0) ? wantBK : baseBK;
  const steps = Math.ceil((taps * KC) / BK);
  const wgs = Math.ceil(M / BM) * Math.ceil(N / BN);
  let S = 1;
  if (wgs < Math.min(tiled?.splitBelow ?? SPLIT_BELOW, fill) && steps >= 2 * MIN_SEGMENT_STEPS) {
    S = Math.min(Math.ceil(fill / wgs), Math.floor(steps / MIN_SEGMENT_STEPS), 16);
  }
  // Partial sums must fit one binding, and the row blocks one grid dimension (z holds segments).
  if (S > 1 && (S * M * N > device.chunkElems || Math.ceil(M / BM) > device.limits.maxComputeWorkgroupsPerDimension)) S = 1;
  const stepsPerSegment = Math.ceil(steps / S);
  return { BM, BN, BK, LA: (BM * BK) / (4 * WG * WG), LB: (BN * BK) / (4 * WG * WG), WG, S: Math.ceil(steps / stepsPerSegment), buffers, steps, stepsPerSegment, flatK };
}
