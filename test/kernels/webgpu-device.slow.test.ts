/**
 * The rest of the autotuning candidates validated at the core feature level on Dawn's Null
 * backend (slow tier: STIELTJES_TESTS=all; webgpu-device.test.ts validates one of each kind: each
 * choice compiles its own kernels).
 */
import { it } from 'vitest';
import { validateOnNullDevice } from '../helpers/webgpu.js';

it("Dawn's Null backend validates the other longer-K-step, flattened-K and one-buffer tilings at the core feature level", async () => {
  await validateOnNullDevice(['tiled:64:0:k32', 'tiled:64:1024:k32:1buf', 'tiled:32:0:k32:anyk', 'tiled:128x64:0:1buf']);
});
