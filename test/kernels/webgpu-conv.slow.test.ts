/**
 * The WebGPU filter gradient over more than 65,535 pixels per invocation, at the size where
 * llvmpipe's own loop limiter (Mesa's gallivm) would cut a flat pixel loop short: whole, and in
 * split-buffer paths (slow tier: STIELTJES_TESTS=all; webgpu-loop-budget.test.ts checks the same
 * splits on small images under a pretend budget, and webgpu-conv.test.ts the kernels' results);
 * and the register blocks of a ragged and of a deep, small output, which webgpu-conv.test.ts
 * leaves here (each block height compiles kernels of its own).
 */
import { it } from 'vitest';
import { checkConvPasses, checkFilterGradient } from '../helpers/conv-check.js';
import { sameConv3x3 } from '../helpers/window-params.js';
import { describeWebGpu } from '../helpers/webgpu.js';

describeWebGpu('webgpu convolution kernels at llvmpipe\'s loop limit', (gpu) => {
  it('the filter gradient over more than 65,535 pixels per invocation matches the CPU', async () => {
    // llvmpipe ends any single shader loop after 65,535 iterations (Mesa's gallivm loop
    // limiter); with enough workgroups to need no split-K, one invocation here walks 67,600
    // pixels, which a flat loop over pixels silently cut short (VGG block1 at batch 2).
    await checkFilterGradient(gpu(), sameConv3x3(1, 260, 260, 32, 4, 11), '260×260');
  });
});

/** The filter gradient's pixel ranges (llvmpipe's loop limit) in its split-buffer paths. */
for (const [what, bindingBytes, batch] of [
  ['a batch in pieces of one image, each over 65,000 pixels (2 MiB bindings)', 2 * 2 ** 20, 2],
  ['an image larger than a binding, read from its chunks (512 KiB bindings)', 2 ** 19, 1],
] as const) {
  describeWebGpu(`webgpu filter gradient: ${what}`, (gpu) => {
    it('matches the CPU', async () => {
      const c = sameConv3x3(batch, 260, 260, 4, 4, 12);
      await checkFilterGradient(gpu(), c, what);
    });
  }, { maxBindingBytesOverride: bindingBytes });
}

describeWebGpu('webgpu convolution register blocks', (gpu) => {
  it('a ragged batch and a deep, small output use their block heights (all three passes)', async () => {
    for (const c of [sameConv3x3(2, 33, 31, 3, 7, 2), sameConv3x3(1, 6, 6, 256, 8, 3)]) {
      await checkConvPasses(gpu(), c, { bias: false, relu: false, filterGradient: true });
    }
  });
});
