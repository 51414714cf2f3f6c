/**
 * The WebAssembly convolutions (src/kernels/wasm/wasm-conv.ts) against the float64 CPU oracle:
 * forward with and without bias and ReLU, input gradient and filter gradient, over random
 * geometries (strides, dilations, asymmetric padding, 1×1, odd channel counts, batch 2), on the
 * mul+add path, by the kernels the rule picks (implicit GEMM here: these shapes are not
 * Winograd's, which wasm-conv-winograd.test.ts covers) and by the scalar direct kernel forced; a
 * call split into 2–3 chunks gives the same bits as one call.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { propertyRuns } from '../../src/testing/runs.js';
import { forceConvAlgorithm } from '../../src/kernels/wasm/wasm-conv.js';
import { igemmLimits } from '../../src/kernels/wasm/conv/kernels.js';
import { convGeometry } from '../../src/kernels/wasm/conv/geometry.js';
import { forwardTable, inputGradTable } from '../../src/kernels/wasm/conv/indirection.js';
import { tableKernel } from '../../src/kernels/wasm/conv/table.js';
import { isPointwise } from '../../src/kernels/wasm/conv/pointwise.js';
import { ChunkedRunner } from './wasm-conv-helpers.js';
import { caseArb, expectWithinBound, makeCase, runPass, type Pass } from './wasm-conv-helpers.js';

const MULADD = { simd: true, relaxedSimd: false };
const PASSES: Pass[] = ['forward', 'inputGrad', 'filterGrad'];

afterEach(() => forceConvAlgorithm(null));

/** The kernel module each pass must run on these shapes (none is Winograd's: channels are not whole panels or the filter not 3×3). */
const EXPECTED = { forward: 'conv-igemm.igemm', inputGrad: 'conv-igemm.igemm', filterGrad: 'conv-filtergrad.filterGrad' } as const;

describe('WebAssembly convolutions against the float64 oracle (mul+add)', () => {
  for (const pass of PASSES) {
    it(`${pass}: random geometries, within the float32 summation bound`, () => {
      fc.assert(
        fc.property(caseArb, fc.integer({ min: 1, max: 1000 }), (c, seed) => {
          const r = runPass(c, pass, MULADD, 1, seed);
          // 1×1, stride 1, no padding is a plain GEMM (wasm-conv-pointwise.test.ts) except for the filter gradient.
          const g = convGeometry('conv2d', [c.batch, c.inH, c.inW, c.inC], [c.kh, c.kw, c.inC, c.outC], c.p);
          const expected = isPointwise(g) && pass !== 'filterGrad' ? 'matmul.matmulStrided' : EXPECTED[pass];
          if (c.inC % 16 !== 0 || c.outC % 16 !== 0 || c.kh !== 3 || c.kw !== 3) expect(r.calls.map((k) => k.name)).toContain(expected);
          expectWithinBound(r, 1, `${pass} ${JSON.stringify(c)}`);
        }),
        { numRuns: propertyRuns(20) },
      );
    });

    it(`${pass}: the scalar direct kernel, forced, on random geometries`, () => {
      forceConvAlgorithm('direct');
      fc.assert(
        fc.property(caseArb, fc.integer({ min: 1, max: 1000 }), (c, seed) => {
          const r = runPass(c, pass, MULADD, 1, seed);
          expect(r.calls.every((k) => k.name.startsWith('conv-direct.'))).toBe(true);
          expectWithinBound(r, 1, `direct ${pass} ${JSON.stringify(c)}`);
        }),
        { numRuns: propertyRuns(8) },
      );
    });
  }

  it('filterGrad over several pixel chunks (2051 output channels: chunks of 31 pixels) and ragged columns', () => {
    const c = makeCase({ batch: 2, inH: 7, inW: 6, inC: 5, outC: 2051, kh: 3, kw: 3, strides: [1, 1], dilations: [1, 1], pad: [1, 1, 1, 1], bias: false, relu: false });
    const r = runPass(c, 'filterGrad', MULADD, 2, 7);
    expect(r.calls.map((k) => k.name)).toContain('conv-filtergrad.filterGrad');
    expectWithinBound(r, 1, 'filterGrad 2051 channels');
  });

  it('the WebAssembly indirection tables equal the TypeScript statement of them (indirection.ts)', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const g = convGeometry('conv2d', [c.batch, c.inH, c.inW, c.inC], [c.kh, c.kw, c.inC, c.outC], c.p);
        const T = c.kh * c.kw;
        const memory = new WebAssembly.Memory({ initial: 2 });
        const runner = new ChunkedRunner(memory, 3);
        const ctx = { runner, scratch: { alloc: () => 0, free: () => {} }, features: MULADD };
        const [x, zero, at] = [1 << 16, 4096, 1024];
        for (const [name, pixels, rows, ts] of [
          ['forwardTable', g.batch * g.outH * g.outW, g.batch * g.outH, forwardTable],
          ['inputGradTable', g.batch * g.inH * g.inW, g.batch * g.inH, inputGradTable],
        ] as const) {
          runner.parallelFor(tableKernel(ctx, g), name, [at, x, zero], rows);
          const want = new Int32Array(pixels * T);
          ts(want, g, x, zero);
          expect(Array.from(new Int32Array(memory.buffer, at, pixels * T)), name).toEqual(Array.from(want));
        }
      }),
      { numRuns: propertyRuns(20) },
    );
  });

  it('a batch whose indirection table exceeds the limit runs image by image, the same bits', () => {
    const c = makeCase({ batch: 3, inH: 5, inW: 6, inC: 5, outC: 19, kh: 3, kw: 2, strides: [2, 1], dilations: [1, 2], pad: [1, 0, 2, 1], bias: true, relu: true });
    for (const pass of ['forward', 'inputGrad'] as const) {
      const whole = runPass(c, pass, MULADD, 1);
      const saved = igemmLimits.tableBytes;
      try {
        igemmLimits.tableBytes = 1;
        const single = runPass(c, pass, MULADD, 2);
        expect(single.calls.filter((k) => k.name === 'conv-igemm.igemm').length, pass).toBe(3);
        expect(Array.from(single.got), pass).toEqual(Array.from(whole.got));
      } finally {
        igemmLimits.tableBytes = saved;
      }
    }
  });

  it('a call split into 2 or 3 chunks writes the same bits as one call', () => {
    const c = makeCase({ batch: 2, inH: 7, inW: 6, inC: 5, outC: 7, kh: 3, kw: 2, strides: [2, 1], dilations: [1, 2], pad: [1, 0, 2, 1], bias: true, relu: true });
    for (const pass of PASSES) {
      const one = runPass(c, pass, MULADD, 1).got;
      expect(runPass(c, pass, MULADD, 1).calls.some((k) => k.name.startsWith('conv-direct')), 'a fast kernel ran').toBe(false);
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
