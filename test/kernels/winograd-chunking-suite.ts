/**
 * Winograd's chunking, per tiling: a batch too large for one chunk of scratch runs a few images at
 * a time, and each stage's items split across calls, both writing the same bits as one whole call.
 * The code (runWinograd) is the same for both tilings: wasm-conv-winograd.test.ts runs F(4×4), the
 * slow tier's wasm-conv-winograd.slow.test.ts F(2×2).
 */
import { expect, it } from 'vitest';
import { forceConvAlgorithm } from '../../src/kernels/wasm/wasm-conv.js';
import { winogradLimits } from '../../src/kernels/wasm/conv/winograd-run.js';
import { makeCase, runPass } from './wasm-conv-helpers.js';

const MULADD = { simd: true, relaxedSimd: false };

/** The two chunking checks with `algorithm` forced (the caller resets the choice after each test). */
export function winogradChunkingTests(algorithm: 'winograd2' | 'winograd4'): void {
  it(`${algorithm}: a batch too large for one chunk of scratch runs image by image (3 images, chunks of 2 and 1), the same bits`, () => {
    const c = makeCase({ batch: 3, inH: 9, inW: 10, inC: 16, outC: 16, kh: 3, kw: 3, strides: [1, 1], dilations: [1, 1], pad: [1, 1, 0, 2], bias: true, relu: false });
    const saved = winogradLimits.chunkBytes;
    forceConvAlgorithm(algorithm);
    for (const pass of ['forward', 'inputGrad'] as const) {
      const whole = runPass(c, pass, MULADD, 1);
      try {
        winogradLimits.chunkBytes = 1; // one image per chunk
        const single = runPass(c, pass, MULADD, 1);
        winogradLimits.chunkBytes = 130_000; // two images' padded input, V and M (~59–62 KB each here)
        const pairs = runPass(c, pass, MULADD, 2);
        const chunks = (r: typeof single): number => r.calls.filter((k) => k.name === 'conv-winograd.outputTransform').length;
        expect([chunks(whole), chunks(single), chunks(pairs)]).toEqual([1, 3, 2]);
        expect(Array.from(single.got), `${algorithm} ${pass} image by image`).toEqual(Array.from(whole.got));
        expect(Array.from(pairs.got), `${algorithm} ${pass} in pairs`).toEqual(Array.from(whole.got));
      } finally {
        winogradLimits.chunkBytes = saved;
      }
    }
  });

  it(`${algorithm}: a call split into 2 or 3 chunks per stage writes the same bits as one call`, () => {
    const c = makeCase({ batch: 2, inH: 9, inW: 7, inC: 16, outC: 32, kh: 3, kw: 3, strides: [1, 1], dilations: [1, 1], pad: [2, 0, 1, 1], bias: true, relu: true });
    forceConvAlgorithm(algorithm);
    for (const pass of ['forward', 'inputGrad'] as const) {
      const one = runPass(c, pass, MULADD, 1).got;
      for (const parts of [2, 3]) expect(Array.from(runPass(c, pass, MULADD, parts).got), `${algorithm} ${pass} ${parts}`).toEqual(Array.from(one));
    }
  });
}
