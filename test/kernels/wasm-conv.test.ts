/**
 * The WebAssembly convolutions (src/kernels/wasm/wasm-conv.ts) against the float64 CPU oracle:
 * forward with and without bias and ReLU, input gradient and filter gradient, over random
 * geometries (strides, dilations, asymmetric padding, 1×1, odd channel counts, batch 2), on the
 * mul+add path; a call split into 2–3 chunks gives the same bits as one call.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '../../src/testing/runs.js';
import { caseArb, expectWithinBound, makeCase, runPass, type Pass } from './wasm-conv-helpers.js';

const MULADD = { simd: true, relaxedSimd: false };
const PASSES: Pass[] = ['forward', 'inputGrad', 'filterGrad'];

describe('WebAssembly convolutions against the float64 oracle (mul+add)', () => {
  for (const pass of PASSES) {
    it(`${pass}: random geometries, within the float32 summation bound`, () => {
      fc.assert(
        fc.property(caseArb, fc.integer({ min: 1, max: 1000 }), (c, seed) => {
          expectWithinBound(runPass(c, pass, MULADD, 1, seed), 1, `${pass} ${JSON.stringify(c)}`);
        }),
        { numRuns: propertyRuns(20) },
      );
    });
  }

  it('a call split into 2 or 3 chunks writes the same bits as one call', () => {
    const c = makeCase({ batch: 2, inH: 7, inW: 6, inC: 5, outC: 7, kh: 3, kw: 2, strides: [2, 1], dilations: [1, 2], pad: [1, 0, 2, 1], bias: true, relu: true });
    for (const pass of PASSES) {
      const one = runPass(c, pass, MULADD, 1).got;
      for (const parts of [2, 3]) {
        const split = runPass(c, pass, MULADD, parts);
        expect(split.calls.length).toBeGreaterThan(0);
        expect(Array.from(split.got), `${pass} in ${parts} chunks`).toEqual(Array.from(one));
      }
    }
  });

  it('refuses inconsistent shapes with a one-line error naming them', () => {
    const c = makeCase({ batch: 1, inH: 4, inW: 4, inC: 3, outC: 2, kh: 3, kw: 3, strides: [1, 1], dilations: [1, 1], pad: [0, 0, 0, 0], bias: false, relu: false });
    const bad = { ...c, p: { ...c.p, outHeight: 5 } };
    expect(() => runPass(bad, 'forward', MULADD)).toThrow(/^wasm\.conv2d: output 5×2 does not match input \[1, 4, 4, 3\]/);
  });
});
