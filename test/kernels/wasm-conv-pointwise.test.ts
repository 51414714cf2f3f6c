/**
 * 1×1 convolutions with stride 1, dilation 1 and no padding run as a plain GEMM on the matmul
 * kernel over column panels of the packed filter (src/kernels/wasm/conv/pointwise.ts): forward
 * with the bias/ReLU epilogue pass, and the input gradient with the filter packed transposed.
 * Checked against the float64 CPU oracle on ragged channel counts (not multiples of 4 or 16, so
 * the kernel's vector and scalar column remainders and the epilogue's scalar tail all run),
 * batch > 1, bias and ReLU on and off, several panels, and calls split into chunks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { convAlgorithm, forceConvAlgorithm } from '../../src/kernels/wasm/wasm-conv.js';
import { convGeometry } from '../../src/kernels/wasm/conv/geometry.js';
import { panelWidth, pointwiseLimits } from '../../src/kernels/wasm/conv/pointwise.js';
import { expectWithinBound, makeCase, runPass, type ConvCase } from './wasm-conv-helpers.js';

const MULADD = { simd: true, relaxedSimd: false };

afterEach(() => forceConvAlgorithm(null));

const pointwise = (batch: number, inH: number, inW: number, inC: number, outC: number, bias: boolean, relu: boolean): ConvCase =>
  makeCase({ batch, inH, inW, inC, outC, kh: 1, kw: 1, strides: [1, 1], dilations: [1, 1], pad: [0, 0, 0, 0], bias, relu });

const names = (r: { calls: { name: string }[] }): string[] => r.calls.map((k) => k.name);

describe('1×1 convolutions as a plain GEMM (WebAssembly)', () => {
  it('the rule picks the GEMM only for 1×1, stride 1, dilation 1, unpadded; forcing the implicit GEMM still works', () => {
    const geometry = (c: ConvCase) => convGeometry('conv2d', [c.batch, c.inH, c.inW, c.inC], [c.kh, c.kw, c.inC, c.outC], c.p);
    const one = pointwise(2, 5, 3, 7, 9, false, false);
    expect(convAlgorithm(geometry(one), 'forward', MULADD)).toBe('pointwise');
    expect(convAlgorithm(geometry(one), 'inputGrad', MULADD)).toBe('pointwise');
    // Stride 2 or padding: some outputs are not one input row each, so not a plain GEMM.
    const strided = makeCase({ batch: 1, inH: 5, inW: 5, inC: 7, outC: 9, kh: 1, kw: 1, strides: [2, 1], dilations: [1, 1], pad: [0, 0, 0, 0], bias: false, relu: false });
    const padded = makeCase({ batch: 1, inH: 5, inW: 5, inC: 7, outC: 9, kh: 1, kw: 1, strides: [1, 1], dilations: [1, 1], pad: [1, 0, 0, 0], bias: false, relu: false });
    expect(convAlgorithm(geometry(strided), 'forward', MULADD)).toBe('igemm');
    expect(convAlgorithm(geometry(padded), 'forward', MULADD)).toBe('igemm');
    // Without SIMD there is no matmul kernel: the scalar direct kernel.
    expect(convAlgorithm(geometry(one), 'forward', { simd: false, relaxedSimd: false })).toBe('direct');
    forceConvAlgorithm('igemm');
    expect(names(runPass(one, 'forward', MULADD))).toContain('conv-igemm.igemm');
    forceConvAlgorithm('pointwise');
    expect(convAlgorithm(geometry(strided), 'forward', MULADD), 'forced where it cannot apply').toBe('igemm');
  });

  // Ragged channel counts: 7 and 37 leave a vector block and a scalar tail of columns; 21·3 rows
  // an odd row for the kernel's 2-row blocks.
  const shapes: [number, number, number, number, number][] = [[2, 3, 7, 7, 37], [3, 4, 5, 37, 7], [1, 1, 1, 5, 3], [2, 5, 4, 18, 33]];
  for (const [batch, inH, inW, inC, outC] of shapes) {
    for (const [bias, relu] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      it(`forward ${batch}×${inH}×${inW}×${inC} → ${outC}, bias ${bias}, relu ${relu}: within the float32 bound, on the GEMM`, () => {
        const c = pointwise(batch, inH, inW, inC, outC, bias, relu);
        const r = runPass(c, 'forward', MULADD, 1, 3 + inC);
        expect(names(r)).toContain('matmul.matmulStrided');
        expect(names(r).some((n) => n.startsWith('conv-igemm') || n.startsWith('conv-direct'))).toBe(false);
        expect(names(r).some((n) => n.startsWith('conv-pointwise-epilogue')), 'the epilogue runs only when there is one').toBe(bias || relu);
        if (relu) expect(r.got.every((v) => v >= 0)).toBe(true);
        expectWithinBound(r, 1, `forward ${JSON.stringify([batch, inH, inW, inC, outC, bias, relu])}`);
        // Chunks as threads would issue them: the same bits as one call.
        for (const parts of [2, 3]) expect(Array.from(runPass(c, 'forward', MULADD, parts, 3 + inC).got)).toEqual(Array.from(r.got));
      });
    }
    it(`inputGrad ${batch}×${inH}×${inW}×${inC} ← ${outC}: within the float32 bound, on the GEMM, same bits in chunks`, () => {
      const c = pointwise(batch, inH, inW, inC, outC, false, false);
      const r = runPass(c, 'inputGrad', MULADD, 1, 11);
      expect(names(r)).toContain('matmul.matmulStrided');
      expect(names(r).some((n) => n.startsWith('conv-igemm') || n.startsWith('conv-direct'))).toBe(false);
      expectWithinBound(r, 1, `inputGrad ${JSON.stringify([batch, inH, inW, inC, outC])}`);
      for (const parts of [2, 3]) expect(Array.from(runPass(c, 'inputGrad', MULADD, parts, 11).got)).toEqual(Array.from(r.got));
    });
  }

  it('several column panels (a ragged last one) give the oracle\'s answer and the same bits as one panel', () => {
    const c = pointwise(2, 3, 3, 20, 45, true, true);
    const one = runPass(c, 'forward', MULADD, 1, 5);
    const oneDx = runPass(c, 'inputGrad', MULADD, 1, 5);
    expect(panelWidth(20, 45)).toBe(45);
    const saved = pointwiseLimits.panelFloats;
    try {
      pointwiseLimits.panelFloats = 16 * 20; // 16 columns of 20 rows: panels of 16, 16 and 13 columns
      expect(panelWidth(20, 45)).toBe(16);
      for (const [pass, whole] of [['forward', one], ['inputGrad', oneDx]] as const) {
        const r = runPass(c, pass, MULADD, 2, 5);
        // Forward: 45 columns in 3 panels; inputGrad: 20 columns of 45 rows, at least 16 per panel (2 panels).
        expect(names(r).filter((n) => n === 'matmul.matmulStrided').length, pass).toBe(pass === 'forward' ? 3 : 2);
        expectWithinBound(r, 1, `${pass} in panels`);
        // Each column's sum runs over k in the same order whichever panel holds it.
        expect(Array.from(r.got), pass).toEqual(Array.from(whole.got));
      }
    } finally {
      pointwiseLimits.panelFloats = saved;
    }
  });
});
