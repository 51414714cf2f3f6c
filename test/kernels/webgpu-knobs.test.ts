/**
 * The WebGPU backend's knobs that need no adapter: the GEMM tuning setting's parsing, the loop
 * budget by adapter, and the benchmark's repeat count for fast kernels.
 */
import { describe, expect, it } from 'vitest';
import { repeatsFor } from '../../src/bench/timing.js';
import { loopBudgetOf } from '../../src/kernels/webgpu/device.js';
import { parseGemmKnob } from '../../src/kernels/webgpu/kernels/register-block.js';

describe('parseGemmKnob', () => {
  it('reads each form of the setting', () => {
    expect(parseGemmKnob('direct')).toEqual({ direct: true });
    expect(parseGemmKnob('tiled:64:0')).toEqual({ tiledBlock: 64, fillWorkgroups: 0, singleBuffer: false });
    expect(parseGemmKnob('tiled:auto:1024:1buf')).toEqual({ tiledBlock: undefined, fillWorkgroups: 1024, singleBuffer: true });
    expect(parseGemmKnob(' 8x2/16x16 ')).toEqual({ tiling: { RM: 8, CN: 2, WX: 16, WY: 16 } });
  });

  it('rejects malformed and out-of-range settings, saying what is expected', () => {
    expect(() => parseGemmKnob('tiled:96:0')).toThrow(/expected RMxCN\/WXxWY.*'direct' or tiled:64\|128\|auto:FILL/);
    expect(() => parseGemmKnob('fast')).toThrow(/GEMM tiling 'fast'/);
    expect(() => parseGemmKnob('3x2/16x16')).toThrow(/RM must be 1, 2, 4, 8 or 16/);
    expect(() => parseGemmKnob('8x2/32x16')).toThrow(/WX·WY at most 256/);
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
