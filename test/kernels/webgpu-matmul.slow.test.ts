/**
 * The register blocks of tall WebGPU products in the transpose combinations that
 * webgpu-matmul.test.ts leaves to the slow tier (STIELTJES_TESTS=all): each combination compiles a
 * kernel of its own. The default tier runs 8-row blocks (M = 2048) and 16-row blocks (M = 4096)
 * without transposes.
 */
import { it } from 'vitest';
import { checkMatmul, describeWebGpu } from '../helpers/webgpu.js';

describeWebGpu('webgpu matmul, tall outputs', (gpu) => {
  it('uses 8-row register blocks with A, B or both transposed', async () => {
    for (const [transA, transB] of [[true, false], [false, true], [true, true]] as const) {
      await checkMatmul(gpu(), { batchA: 1, batchB: 1, M: 2048, N: 64, K: 12, transA, transB, seed: 2048 });
    }
  });

  it('uses 16-row register blocks with A, B or both transposed', async () => {
    for (const [transA, transB] of [[true, false], [false, true], [true, true]] as const) {
      await checkMatmul(gpu(), { batchA: 1, batchB: 1, M: 4096, N: 64, K: 12, transA, transB, seed: 4096 });
    }
    // Ragged: 4093 × 61, A transposed.
    await checkMatmul(gpu(), { batchA: 1, batchB: 1, M: 4093, N: 61, K: 13, transA: true, transB: false, seed: 5 });
  });
});
