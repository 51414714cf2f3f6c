/**
 * The WebGPU backend's knobs that need no adapter: the GEMM tuning setting's parsing and its
 * effect on the tiled kernel's plan, the loop budget by adapter, and the benchmark's repeat
 * count for fast kernels.
 */
import { describe, expect, it } from 'vitest';
import { repeatsFor } from '../../src/bench/timing.js';
import { loopBudgetOf } from '../../src/kernels/webgpu/device.js';
import type { GpuExecutor } from '../../src/kernels/webgpu/executor.js';
import { planTiled } from '../../src/kernels/webgpu/kernels/conv2d-tiled.js';
import { parseGemmKnob } from '../../src/kernels/webgpu/kernels/register-block.js';

describe('parseGemmKnob', () => {
  it('reads each form of the setting', () => {
    expect(parseGemmKnob('direct')).toEqual({ direct: true });
    expect(parseGemmKnob('tiled:64:0')).toEqual({ tiledBlock: 64, fillWorkgroups: 0, singleBuffer: false });
    expect(parseGemmKnob('tiled:auto:1024:1buf')).toEqual({ tiledBlock: undefined, fillWorkgroups: 1024, singleBuffer: true });
    expect(parseGemmKnob('tiled:64:1024:1024')).toEqual({ tiledBlock: 64, fillWorkgroups: 1024, splitBelow: 1024, singleBuffer: false });
    expect(parseGemmKnob('tiled:auto:512:600:1buf')).toEqual({ tiledBlock: undefined, fillWorkgroups: 512, splitBelow: 600, singleBuffer: true });
    expect(parseGemmKnob('tiled:32:0')).toEqual({ tiledBlock: 32, fillWorkgroups: 0, singleBuffer: false });
    expect(parseGemmKnob('tiled:32:0:k32')).toEqual({ tiledBlock: 32, fillWorkgroups: 0, tiledK: 32, singleBuffer: false });
    expect(parseGemmKnob('tiled:auto:1024:1024:k16:1buf')).toEqual({ tiledBlock: undefined, fillWorkgroups: 1024, splitBelow: 1024, tiledK: 16, singleBuffer: true });
    expect(parseGemmKnob('tiled:64:0:anyk')).toEqual({ tiledBlock: 64, fillWorkgroups: 0, tiledAnyK: true, singleBuffer: false });
    expect(parseGemmKnob('tiled:128x64:0')).toEqual({ tiledBlock: 128, tiledBlockN: 64, fillWorkgroups: 0, singleBuffer: false });
    expect(parseGemmKnob(' 8x2/16x16 ')).toEqual({ tiling: { RM: 8, CN: 2, WX: 16, WY: 16 } });
  });

  it('rejects malformed and out-of-range settings, saying what is expected', () => {
    expect(() => parseGemmKnob('tiled:96:0')).toThrow(/expected RMxCN\/WXxWY.*'direct' or tiled:32\|64\|128\|128x64\|auto:FILL/);
    expect(() => parseGemmKnob('tiled:64:1024:1buf:512')).toThrow(/GEMM tiling/);
    expect(() => parseGemmKnob('tiled:64:0:k12')).toThrow(/GEMM tiling 'tiled:64:0:k12'.*:k8\|k16\|k32/);
    expect(() => parseGemmKnob('fast')).toThrow(/GEMM tiling 'fast'/);
    expect(() => parseGemmKnob('3x2/16x16')).toThrow(/RM must be 1, 2, 4, 8 or 16/);
    expect(() => parseGemmKnob('8x2/32x16')).toThrow(/WX·WY at most 256/);
  });
});

describe('planTiled', () => {
  // Only the binding size and grid limit of the device matter to the plan.
  const ex = { chunkElems: 2 ** 28, limits: { maxComputeWorkgroupsPerDimension: 65_535, maxComputeWorkgroupStorageSize: 32_768 } } as unknown as GpuExecutor;
  // VGG19's 112×112×64 → 128 convolution at batch 1: a 12,544 × 128 output over 9 taps × 64
  // channels, 392 tiles of 64×64 and 36 K steps of 16.
  const plan = (knob?: string) => planTiled({ cpuEmulated: false, ...(knob ? parseGemmKnob(knob) : {}) }, 12_544, 128, 64, 9, true, true, ex)!;

  it('splits K only below the tile count the knob sets (256 by default)', () => {
    expect(plan()).toMatchObject({ BM: 64, S: 1, steps: 36 });
    // 1024 workgroups wanted: 3 segments of 12 steps.
    expect(plan('tiled:auto:1024:1024')).toMatchObject({ BM: 64, S: 3, stepsPerSegment: 12 });
    expect(plan('tiled:auto:1024:392')).toMatchObject({ S: 1 });
    expect(plan('tiled:auto:0:1024')).toMatchObject({ S: 1 });
    // 32×32 tiles on 8×8 workgroups: a K step of 8, four times the tiles (1,568: no split).
    expect(plan('tiled:32:1024')).toMatchObject({ BM: 32, BK: 8, WG: 8, S: 1, steps: 72 });
  });

  it('takes longer K steps where asked, they divide the channels and fit workgroup memory', () => {
    // TF.js's shape: 32×32 tiles, steps of 32 (four vec4 copies of each operand per invocation).
    expect(plan('tiled:32:0:k32')).toMatchObject({ BM: 32, BK: 32, LA: 4, LB: 4, steps: 18 });
    expect(plan('tiled:64:0:k32')).toMatchObject({ BM: 64, BK: 32, LA: 2, LB: 2, steps: 18 });
    expect(plan('tiled:128:0:k16')).toMatchObject({ BM: 128, BK: 16, LA: 2, LB: 2 });
    // 128×128 tiles with steps of 32 would need 64 KiB of workgroup memory: the default step.
    expect(plan('tiled:128:0:k32')).toMatchObject({ BM: 128, BK: 8, LA: 1, LB: 1 });
    // A step no longer than the default changes nothing.
    expect(plan('tiled:64:0:k8')).toMatchObject({ BK: 16, LA: 1, LB: 1 });
    // 48 channels: steps of 32 would straddle taps; the default step of 16 is kept.
    expect(planTiled({ cpuEmulated: false, ...parseGemmKnob('tiled:64:0:k32') }, 12_544, 128, 48, 9, true, true, ex)).toMatchObject({ BK: 16 });
  });

  it('makes 128×64 tiles on request: steps of 16, two vec4 copies of A and one of the filter per invocation', () => {
    // 12,544 × 128 outputs: 98 × 2 tiles, below 256, so K is split (1,024 workgroups wanted).
    expect(plan('tiled:128x64:1024')).toMatchObject({ BM: 128, BN: 64, WG: 16, BK: 16, LA: 2, LB: 1, steps: 36, S: 4 });
    // Steps of 32 would need 48 KiB of workgroup memory: the default step.
    expect(plan('tiled:128x64:0:k32')).toMatchObject({ BK: 16, S: 1 });
    // Where workgroup memory holds 16 KiB only, 24 KiB of tiles do not fit: the direct kernel.
    const small = { ...ex, limits: { ...ex.limits, maxComputeWorkgroupStorageSize: 16_384 } } as GpuExecutor;
    expect(planTiled({ cpuEmulated: false, ...parseGemmKnob('tiled:128x64:0') }, 12_544, 128, 64, 9, true, true, small)).toBeNull();
    expect(planTiled({ cpuEmulated: false, ...parseGemmKnob('tiled:128x64:0:1buf') }, 12_544, 128, 64, 9, true, true, small)).toMatchObject({ BN: 64, buffers: 1 });
  });

  it("takes channel counts no step divides over the flattened K only where asked, and only forward", () => {
    // VGG's first layer at batch 1: 50,176 × 64 outputs, K = 9 taps × 3 channels = 27.
    const first = (knob: string, forward = true) => planTiled({ cpuEmulated: false, ...parseGemmKnob(knob) }, 50_176, 64, 3, 9, false, true, ex, forward);
    expect(first('tiled:auto:1024')).toBeNull();
    expect(first('tiled:64:0:anyk')).toMatchObject({ flatK: true, BM: 64, BK: 16, steps: 2 });
    expect(first('tiled:32:0:k32:anyk')).toMatchObject({ flatK: true, BM: 32, BK: 32, LA: 4, LB: 4, steps: 1 });
    expect(first('tiled:64:0:anyk', false)).toBeNull();
    // Channels that suit the steps are unaffected by the knob.
    expect(plan('tiled:64:0:anyk')).toMatchObject({ flatK: false, BK: 16, steps: 36 });
  });
});

describe('loopBudgetOf', () => {
  it('limits Mesa gallivm adapters and no others', () => {
    expect(loopBudgetOf('llvmpipe-llvm-15-0-6-256-bits- (OpenGL version OpenGL ES 3.2 Mesa 22.3.6)')).toBeLessThan(65_535);
    expect(loopBudgetOf('lavapipe')).toBeLessThan(65_535);
    expect(loopBudgetOf('nvidia nvidia-h200 (NVIDIA: 580.159.04)')).toBe(Infinity);
    expect(loopBudgetOf('google swiftshader')).toBe(Infinity);
  });
});

describe('repeatsFor', () => {
  it('repeats a kernel under 10 ms to about 10 ms per timed run, at most 200 times', () => {
    expect(repeatsFor(25)).toBe(1);
    expect(repeatsFor(10)).toBe(1);
    expect(repeatsFor(2)).toBe(5);
    expect(repeatsFor(0.3)).toBe(34);
    expect(repeatsFor(0.001)).toBe(200);
  });
});
