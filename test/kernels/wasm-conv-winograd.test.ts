/**
 * Winograd F(2×2, 3×3) and F(4×4, 3×3) (src/kernels/wasm/conv/winograd.ts) against the float64
 * oracle: forward (bias, ReLU) and input gradient over random stride-1 3×3 geometries with
 * asymmetric padding, ragged last tiles and batch 2; the error stays within the conformance
 * tolerance and within a per-tile bound of the float32 summation bound, and the relative L2
 * error is reported. The rule picks Winograd where documented.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { propertyRuns } from '../../src/testing/runs.js';
import { convAlgorithm, forceConvAlgorithm, type ConvAlgorithm } from '../../src/kernels/wasm/wasm-conv.js';
import { convGeometry } from '../../src/kernels/wasm/conv/geometry.js';
import { expectWithinBound, makeCase, relativeL2, runPass, type ConvCase } from './wasm-conv-helpers.js';
import { winogradChunkingTests } from './winograd-chunking-suite.js';

const MULADD = { simd: true, relaxedSimd: false };

const winogradCase: fc.Arbitrary<ConvCase> = fc
  .record({
    batch: fc.integer({ min: 1, max: 2 }), inH: fc.integer({ min: 1, max: 11 }), inW: fc.integer({ min: 1, max: 11 }),
    inC: fc.constantFrom(16, 32), outC: fc.constantFrom(16, 32),
    pad: fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)), bias: fc.boolean(), relu: fc.boolean(),
  })
  .map((r) => makeCase({ ...r, kh: 3, kw: 3, strides: [1, 1], dilations: [1, 1] }))
  .filter((c) => c.p.outHeight >= 1 && c.p.outWidth >= 1);

afterEach(() => forceConvAlgorithm(null));

/** The conformance rule: |got − want| ≤ 2e-3·|want| + 1e-4·max|want|. */
function expectConformant(got: Float32Array, want: Float64Array, label: string): void {
  const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  want.forEach((w, i) => {
    const err = Math.abs(got[i]! - w);
    if (!(err <= 2e-3 * Math.abs(w) + 1e-4 * scale)) expect.fail(`${label}: element ${i} is ${got[i]}, the oracle ${w}`);
  });
}

for (const [algorithm, factor] of [['winograd2', 8], ['winograd4', 64]] as [ConvAlgorithm, number][]) {
  describe(`${algorithm} against the float64 oracle`, () => {
    for (const pass of ['forward', 'inputGrad'] as const) {
      it(`${pass}: random 3×3 stride-1 geometries`, () => {
        forceConvAlgorithm(algorithm);
        let worst = 0;
        fc.assert(
          fc.property(winogradCase, fc.integer({ min: 1, max: 1000 }), (c, seed) => {
            const r = runPass(c, pass, MULADD, 1, seed);
            expect(r.calls.some((k) => k.name.startsWith('conv-winograd')), 'Winograd ran').toBe(true);
            const label = `${algorithm} ${pass} ${JSON.stringify(c)}`;
            expectConformant(r.got, r.want, label);
            expectWithinBound(r, factor, label);
            worst = Math.max(worst, relativeL2(r));
          }),
          // 8 cases a test (each runs the float64 oracle twice, most of its cost): the four tests
          // together cover both tilings and passes; STIELTJES_PROPERTY_RUNS searches deeper.
          { numRuns: propertyRuns(8) },
        );
        expect(worst).toBeLessThan(algorithm === 'winograd2' ? 2e-6 : 2e-5);
      });
    }
  });
}

describe('the choice rule', () => {
  const geometry = (size: number, cin: number, cout: number, k = 3, s = 1) =>
    convGeometry('conv2d', [1, size, size, cin], [k, k, cin, cout], makeCase({
      batch: 1, inH: size, inW: size, inC: cin, outC: cout, kh: k, kw: k, strides: [s, s], dilations: [1, 1], pad: [1, 1, 1, 1], bias: false, relu: false,
    }).p);
  it('runs F(4×4) on VGG layers, F(2×2) on small outputs, the implicit GEMM elsewhere', () => {
    expect(convAlgorithm(geometry(56, 128, 256), 'forward', MULADD)).toBe('winograd4');
    expect(convAlgorithm(geometry(6, 64, 64), 'inputGrad', MULADD)).toBe('winograd2');
    expect(convAlgorithm(geometry(14, 512, 512), 'forward', MULADD)).toBe('winograd4');
    expect(convAlgorithm(geometry(7, 512, 512), 'forward', MULADD)).toBe('winograd2');
    expect(convAlgorithm(geometry(3, 64, 64), 'forward', MULADD)).toBe('igemm');
    expect(convAlgorithm(geometry(224, 3, 64), 'forward', MULADD)).toBe('igemm'); // 3 input channels
    expect(convAlgorithm(geometry(56, 128, 256, 3, 2), 'forward', MULADD)).toBe('igemm'); // stride 2
    expect(convAlgorithm(geometry(56, 128, 256, 1), 'forward', MULADD)).toBe('igemm'); // 1×1
    expect(convAlgorithm(geometry(56, 24, 256), 'forward', MULADD)).toBe('igemm'); // 24 channels: not whole panels
    expect(convAlgorithm(geometry(56, 128, 256), 'forward', { simd: false, relaxedSimd: false })).toBe('direct');
  });

  // F(4×4) here; F(2×2) in the slow tier (winograd-chunking-suite.ts).
  winogradChunkingTests('winograd4');
});
