/**
 * The relaxed-SIMD path of the WebAssembly convolutions (f32x4.relaxed_madd in the implicit GEMM
 * and Winograd's GEMMs) against the float64 oracle. Node 20 accepts relaxed SIMD only behind a V8
 * flag, turned on here (as test/kernels/wasm-builder.suite.ts does) in wasm-relaxed-simd.test.ts's
 * own worker process, which calls `fmaSuites` after every mul+add suite; an engine that still
 * refuses it skips, saying why.
 */
import v8 from 'node:v8';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { probeWasmFeatures } from '../../src/kernels/wasm/features.js';
import { forceConvAlgorithm, type ConvAlgorithm } from '../../src/kernels/wasm/wasm-conv.js';
import { propertyRuns } from '../../src/testing/runs.js';
import { caseArb, expectWithinBound, makeCase, runPass } from './wasm-conv-helpers.js';

const FMA = { simd: true, relaxedSimd: true };

/** The suites that need relaxed SIMD: they turn on V8's flag first (wasm-relaxed-simd.test.ts calls this last). */
export function fmaSuites(): void {
  describe('WebAssembly convolutions with relaxed-SIMD FMA', () => {
    beforeAll(() => {
      if (!probeWasmFeatures().relaxedSimd) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    });
    afterEach(() => forceConvAlgorithm(null));

    it('the engine accepts relaxed SIMD once the flag is set (Node 20)', () => {
      if (process.versions.node.startsWith('20.')) expect(probeWasmFeatures().relaxedSimd).toBe(true);
    });

    it('implicit GEMM, forward, input and filter gradient: random geometries within the summation bound', (ctx) => {
      if (!probeWasmFeatures().relaxedSimd) ctx.skip('relaxed SIMD is not available in this engine');
      forceConvAlgorithm('igemm');
      fc.assert(
        fc.property(caseArb, fc.integer({ min: 1, max: 1000 }), (c, seed) => {
          for (const pass of ['forward', 'inputGrad', 'filterGrad'] as const) {
            const r = runPass(c, pass, FMA, 2, seed);
            const kernel = pass === 'filterGrad' ? 'conv-filtergrad.filterGrad' : 'conv-igemm.igemm';
            expect(r.calls.some((k) => k.name === kernel && k.key.includes(':fma:')), 'the FMA kernel ran').toBe(true);
            expectWithinBound(r, 1, `fma ${pass} ${JSON.stringify(c)}`);
          }
        }),
        { numRuns: propertyRuns(12) },
      );
    });

    for (const [algorithm, factor] of [['winograd2', 8], ['winograd4', 64]] as [ConvAlgorithm, number][]) {
      it(`${algorithm}, forward with bias and ReLU and input gradient`, (ctx) => {
        if (!probeWasmFeatures().relaxedSimd) ctx.skip('relaxed SIMD is not available in this engine');
        forceConvAlgorithm(algorithm);
        const c = makeCase({ batch: 2, inH: 10, inW: 9, inC: 16, outC: 32, kh: 3, kw: 3, strides: [1, 1], dilations: [1, 1], pad: [1, 2, 0, 1], bias: true, relu: true });
        for (const pass of ['forward', 'inputGrad'] as const) {
          const r = runPass(c, pass, FMA, 3);
          expect(r.calls.some((k) => k.name === 'conv-igemm.igemm' && k.key.includes(':fma:')), 'the FMA GEMMs ran').toBe(true);
          expectWithinBound(r, factor, `fma ${algorithm} ${pass}`);
        }
      });
    }
  });
}
