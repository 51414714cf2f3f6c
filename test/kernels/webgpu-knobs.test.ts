/**
 * The WebGPU backend's settings that need no adapter: the GEMM choice's text spelling for
 * benchmark flags (one parser, inverse of the formatter), the loop budget by adapter, and the
 * benchmark's repeat count for fast kernels. Plans: webgpu-gemm-plan.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { repeatsFor } from '../../src/bench/timing.js';
import { loopBudgetOf } from '../../src/kernels/webgpu/device.js';
import { candidateChoices } from '../../src/kernels/webgpu/gemm-autotune.js';
import { checkGemmChoice, type GemmChoice } from '../../src/kernels/webgpu/gemm-choice.js';
import { formatGemmChoice, parseGemmChoice } from '../../src/kernels/webgpu/gemm-choice-text.js';

describe('parseGemmChoice / formatGemmChoice', () => {
  it('reads each form of the spelling', () => {
    expect(parseGemmChoice('auto')).toEqual({ family: 'auto' });
    expect(parseGemmChoice('direct')).toEqual({ family: 'direct' });
    expect(parseGemmChoice(' 8x2/16x16 ')).toEqual({ family: 'direct', block: { RM: 8, CN: 2, WX: 16, WY: 16 } });
    expect(parseGemmChoice('tiled:64:0')).toEqual({ family: 'tiled', tile: { rows: 64, cols: 64 }, fillWorkgroups: 0 });
    expect(parseGemmChoice('tiled:auto:1024:1buf')).toEqual({ family: 'tiled', fillWorkgroups: 1024, buffers: 1 });
    expect(parseGemmChoice('tiled:64:1024:1024')).toEqual({ family: 'tiled', tile: { rows: 64, cols: 64 }, fillWorkgroups: 1024, splitBelow: 1024 });
    expect(parseGemmChoice('tiled:32:0:k32')).toEqual({ family: 'tiled', tile: { rows: 32, cols: 32 }, fillWorkgroups: 0, kStep: 32 });
    expect(parseGemmChoice('tiled:auto:1024:1024:k16:1buf')).toEqual({ family: 'tiled', fillWorkgroups: 1024, splitBelow: 1024, kStep: 16, buffers: 1 });
    expect(parseGemmChoice('tiled:64:0:anyk')).toEqual({ family: 'tiled', tile: { rows: 64, cols: 64 }, fillWorkgroups: 0, flatK: true });
    expect(parseGemmChoice('tiled:128x64:0')).toEqual({ family: 'tiled', tile: { rows: 128, cols: 64 }, fillWorkgroups: 0 });
  });

  it('round-trips: text → choice → text, and every autotuning candidate choice → text → choice', () => {
    const texts = ['auto', 'direct', '16x2/8x8', '1x1/4x16', 'tiled:32:0', 'tiled:auto:1024:1024', 'tiled:128x64:0:anyk:1buf', 'tiled:64:1024:600:k32:anyk:1buf', 'tiled:128:256:k16'];
    for (const t of texts) expect(formatGemmChoice(parseGemmChoice(t))).toBe(t);
    const all: GemmChoice[] = [...candidateChoices(false), ...candidateChoices(true)];
    for (const c of all) expect(parseGemmChoice(formatGemmChoice(c))).toEqual(checkGemmChoice(c));
  });

  it('rejects malformed and out-of-range spellings, saying what is expected', () => {
    expect(() => parseGemmChoice('tiled:96:0')).toThrow(/GEMM choice 'tiled:96:0': expected auto, direct, RMxCN\/WXxWY.*tiled:32\|64\|128\|128x64\|auto:FILL/);
    expect(() => parseGemmChoice('tiled:64:1024:1buf:512')).toThrow(/GEMM choice/);
    expect(() => parseGemmChoice('tiled:64:0:k12')).toThrow(/GEMM choice 'tiled:64:0:k12'.*:k8\|k16\|k32/);
    expect(() => parseGemmChoice('tiled:64:0:anyk:anyk')).toThrow(/GEMM choice/);
    expect(() => parseGemmChoice('fast')).toThrow(/GEMM choice 'fast'/);
    expect(() => parseGemmChoice('3x2/16x16')).toThrow(/RM must be 1, 2, 4, 8 or 16/);
    expect(() => parseGemmChoice('8x2/32x16')).toThrow(/WX·WY at most 256/);
  });

  it("checks choices that come as JSON, keeping only their family's fields", () => {
    expect(checkGemmChoice({ family: 'direct', tile: { rows: 32, cols: 32 } })).toEqual({ family: 'direct' });
    expect(checkGemmChoice({ family: 'tiled', fillWorkgroups: 0, buffers: 2, flatK: false })).toEqual({ family: 'tiled', fillWorkgroups: 0 });
    expect(() => checkGemmChoice('tiled:64:0')).toThrow(/not an object/);
    expect(() => checkGemmChoice({ family: 'tiled', fillWorkgroups: 0, tile: { rows: 64, cols: 128 } })).toThrow(/tile must be/);
    expect(() => checkGemmChoice({ family: 'fast' })).toThrow(/family must be/);
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
