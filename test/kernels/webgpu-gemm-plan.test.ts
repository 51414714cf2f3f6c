/**
 * planGemm, the one place a GEMM-shaped op gets its kernel: the defaults per device class
 * (software adapters: direct kernels only; GPUs: matvec, tiled, direct by shape), and what each
 * GemmChoice changes. Pure: no adapter needed.
 */
import { describe, expect, it } from 'vitest';
import { parseGemmChoice } from '../../src/kernels/webgpu/gemm-choice-text.js';
import { planGemm, type ConvShape, type GemmDevice, type GemmPlan, type MatmulShape } from '../../src/kernels/webgpu/gemm-plan.js';

const limits = { maxComputeWorkgroupsPerDimension: 65_535, maxComputeWorkgroupStorageSize: 32_768 };
const gpu: GemmDevice = { softwareAdapter: false, limits, chunkElems: 2 ** 28, loopBudget: Infinity };
/** llvmpipe: a software adapter with Mesa's loop limit. */
const llvmpipe: GemmDevice = { softwareAdapter: true, limits, chunkElems: 2 ** 28, loopBudget: 65_000 };
const auto = parseGemmChoice('auto');

/** VGG19's 112×112×64 → 128 convolution at batch 1: 12,544 × 128 outputs over 9 taps × 64 channels. */
const vggConv = (over: Partial<ConvShape> = {}): ConvShape => ({ op: 'conv2d', M: 12_544, N: 128, KC: 64, taps: 9, vecK: true, vecOut: true, opRows: 12_544, ...over });
const product = (M: number, N: number, K: number, over: Partial<MatmulShape> = {}): MatmulShape => ({
  op: 'matmul', M, N, K, batch: 1, batchA: 1, sharedB: true, transA: false, transB: false, matvecFits: true, bindingsFit: true, singleBuffers: true, ...over,
});
const plan = (choice: string, shape: ConvShape | MatmulShape = vggConv(), device = gpu): GemmPlan => planGemm(shape, device, parseGemmChoice(choice));

describe('planGemm: defaults per device class', () => {
  it('software adapters run everything on the direct kernels, with tall blocks on small workgroups', () => {
    expect(planGemm(vggConv(), llvmpipe, auto)).toEqual({ family: 'direct', block: { RM: 16, CN: 2, WX: 8, WY: 8 }, segments: 1, segmentLength: 9, whole: true });
    expect(planGemm(product(1, 4096, 25_088), llvmpipe, auto)).toMatchObject({ family: 'direct', block: { RM: 1, WX: 64, WY: 1 } });
    expect(planGemm(product(512, 512, 512), llvmpipe, auto)).toMatchObject({ family: 'direct' });
    // A forced tiled choice changes nothing there.
    expect(planGemm(vggConv(), llvmpipe, parseGemmChoice('tiled:32:1024'))).toEqual(planGemm(vggConv(), llvmpipe, auto));
    // Mesa's loop limit: a K of 300,000 goes in pieces of at most 4·(budget − 3).
    expect(planGemm(product(64, 64, 300_000, { singleBuffers: false }), llvmpipe, auto)).toMatchObject({ family: 'direct', whole: false, segmentLength: 4 * (65_000 - 3) });
  });

  it('real GPUs: matvec for 1–4 rows, tiled for convolutions and plain products, direct for the rest', () => {
    // fc1 at batch 1: 16 column groups of 256, K split in 64 segments to approach 1,024 workgroups.
    expect(planGemm(product(1, 4096, 25_088), gpu, auto)).toEqual({ family: 'matvec', segments: 64, segmentLength: 392 });
    expect(planGemm(product(4, 4096, 4096), gpu, auto)).toMatchObject({ family: 'matvec' });
    expect(planGemm(product(1, 4096, 4096, { matvecFits: false }), gpu, auto)).toMatchObject({ family: 'tiled' });
    // 2048³: many wide tiles, 128×128.
    expect(planGemm(product(2048, 2048, 2048), gpu, auto)).toMatchObject({ family: 'tiled', BM: 128, BN: 128, BK: 8, S: 1 });
    // A transposed product is direct, split along K when its blocks are too few.
    expect(planGemm(product(64, 64, 8192, { transB: true }), gpu, auto)).toMatchObject({ family: 'direct', block: { RM: 4, WX: 16, WY: 16 }, segments: 32, segmentLength: 256, whole: true });
    expect(planGemm(vggConv(), gpu, auto)).toMatchObject({ family: 'tiled', BM: 64, BN: 64, BK: 16, WG: 16, S: 1, steps: 36, buffers: 2, flatK: false });
    // VGG's 3-channel first layer: channels no K step divides, so the direct kernel, whose
    // workgroups are no wider than its 64 output channels' 8 column groups.
    expect(planGemm(vggConv({ M: 50_176, N: 64, KC: 3, vecK: false, opRows: 50_176 }), gpu, auto)).toMatchObject({ family: 'direct', block: { RM: 8, CN: 2, WX: 8, WY: 32 }, segments: 1 });
    // Its input gradient (3 output columns, not vec4): direct.
    expect(planGemm(vggConv({ op: 'conv2dBackpropInput', M: 50_176, N: 3, KC: 64, vecOut: false, opRows: 50_176 }), gpu, auto)).toMatchObject({ family: 'direct', block: { CN: 1, WX: 1 } });
    // The filter gradient: direct, K (pixels) split until enough workgroups exist.
    expect(planGemm({ op: 'conv2dBackpropFilter', M: 576, N: 128, P: 12_544, singleBuffers: true }, gpu, auto)).toMatchObject({ family: 'direct', block: { RM: 4 }, segments: 15, segmentLength: 840, whole: true });
  });
});

describe('planGemm: what a choice changes', () => {
  it('direct: no tiled or matvec kernels; a fixed block applies from 16 rows and keeps matvec', () => {
    expect(plan('direct')).toMatchObject({ family: 'direct' });
    expect(plan('direct', product(1, 4096, 4096))).toMatchObject({ family: 'direct' });
    expect(plan('2x2/8x32')).toMatchObject({ family: 'direct', block: { RM: 2, CN: 2, WX: 8, WY: 32 } });
    expect(plan('2x2/8x32', product(1, 4096, 4096))).toMatchObject({ family: 'matvec' });
    expect(plan('2x2/8x32', product(8, 4096, 4096, { transB: true }))).toMatchObject({ family: 'direct', block: { RM: 4 } });
  });

  it('tiled: splits K only below the tile count it sets (256 by default)', () => {
    expect(plan('tiled:auto:1024:1024')).toMatchObject({ BM: 64, S: 3, stepsPerSegment: 12 });
    expect(plan('tiled:auto:1024:392')).toMatchObject({ S: 1 });
    expect(plan('tiled:auto:0:1024')).toMatchObject({ S: 1 });
    // 32×32 tiles on 8×8 workgroups: a K step of 8, four times the tiles (1,568: no split).
    expect(plan('tiled:32:1024')).toMatchObject({ BM: 32, BK: 8, WG: 8, S: 1, steps: 72 });
  });

  it('tiled: longer K steps where they divide the channels and fit workgroup memory', () => {
    expect(plan('tiled:32:0:k32')).toMatchObject({ BM: 32, BK: 32, LA: 4, LB: 4, steps: 18 });
    expect(plan('tiled:64:0:k32')).toMatchObject({ BM: 64, BK: 32, LA: 2, LB: 2, steps: 18 });
    expect(plan('tiled:128:0:k16')).toMatchObject({ BM: 128, BK: 16, LA: 2, LB: 2 });
    // 128×128 tiles with steps of 32 would need 64 KiB of workgroup memory: the default step.
    expect(plan('tiled:128:0:k32')).toMatchObject({ BM: 128, BK: 8, LA: 1, LB: 1 });
    expect(plan('tiled:64:0:k8')).toMatchObject({ BK: 16, LA: 1, LB: 1 });
    // 48 channels: steps of 32 would straddle taps; the default step of 16 is kept.
    expect(plan('tiled:64:0:k32', vggConv({ KC: 48 }))).toMatchObject({ BK: 16 });
  });

  it('tiled: 128×64 tiles, and the direct kernel where their memory does not fit', () => {
    expect(plan('tiled:128x64:1024')).toMatchObject({ BM: 128, BN: 64, WG: 16, BK: 16, LA: 2, LB: 1, steps: 36, S: 4 });
    expect(plan('tiled:128x64:0:k32')).toMatchObject({ BK: 16, S: 1 });
    const small: GemmDevice = { ...gpu, limits: { ...limits, maxComputeWorkgroupStorageSize: 16_384 } };
    expect(planGemm(vggConv(), small, parseGemmChoice('tiled:128x64:0'))).toMatchObject({ family: 'direct' });
    expect(planGemm(vggConv(), small, parseGemmChoice('tiled:128x64:0:1buf'))).toMatchObject({ family: 'tiled', BN: 64, buffers: 1 });
  });

  it('tiled: the flattened K for channels no step divides, forward only; split taps in the direct kernel', () => {
    const first = vggConv({ M: 50_176, N: 64, KC: 3, vecK: false, opRows: 50_176 });
    // Without anyk the direct kernel, its 9 taps split in 5 to approach 1,024 workgroups (196 alone).
    expect(plan('tiled:auto:1024', first)).toMatchObject({ family: 'direct', segments: 5, segmentLength: 2 });
    expect(plan('tiled:64:0:anyk', first)).toMatchObject({ family: 'tiled', flatK: true, BM: 64, BK: 16, steps: 2 });
    expect(plan('tiled:32:0:k32:anyk', first)).toMatchObject({ flatK: true, BM: 32, BK: 32, LA: 4, LB: 4, steps: 1 });
    expect(plan('tiled:64:0:anyk', { ...first, op: 'conv2dBackpropInput' })).toMatchObject({ family: 'direct' });
    expect(plan('tiled:64:0:anyk')).toMatchObject({ flatK: false, BK: 16, steps: 36 });
    // The input gradient of that layer at batch 1 (3 columns): taps split to approach 1,024 workgroups.
    const grad = vggConv({ op: 'conv2dBackpropInput', M: 50_176, N: 3, KC: 64, vecOut: false, opRows: 50_176 });
    expect(plan('auto', grad)).toMatchObject({ family: 'direct', segments: 1 });
    expect(plan('tiled:auto:1024:1024', grad)).toMatchObject({ family: 'direct', segments: 5, segmentLength: 2 });
  });
});
