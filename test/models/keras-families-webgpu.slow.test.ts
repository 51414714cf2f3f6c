/**
 * Every keras.applications family's small variant on the WebGPU backend (slow tier: each family
 * compiles its own kernels, tens of seconds on llvmpipe), against the same float64 PyTorch
 * references as the CPU suites (test/helpers/keras-family-suite.ts): probabilities to 1e-5, the
 * Grad-CAM map at the family's default layer and the IG map (right rule, m = 4, black baseline)
 * to 1e-4 relative, in float32 on the GPU.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { familyH5Bytes, familyPixels, FAMILY_BUILDERS } from '../../scripts/keras-applications.js';
import { explain } from '../../src/attribution/explain.js';
import { integratedGradients } from '../../src/attribution/integrated-gradients.js';
import { decodeNpy } from '../../src/io/npy.js';
import { pixelsToInput } from '../../src/models/input.js';
import { modelFromBytes } from '../../src/models/load-model.js';
import { fixture } from '../helpers/fixtures.js';
import { describeWebGpu } from '../helpers/webgpu.js';

interface Reference {
  target: number;
  probabilities: number[];
  camLayer: string;
  cam: number[];
  igSteps: number;
}

/** Largest |got − want| over the largest |want|. */
function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let scale = 0;
  let e = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]!));
    e = Math.max(e, Math.abs(got[i]! - want[i]!));
  }
  return e / scale;
}

describeWebGpu('keras.applications families on WebGPU (small variants)', (gpu) => {
  for (const key of Object.keys(FAMILY_BUILDERS) as (keyof typeof FAMILY_BUILDERS)[]) {
    it(`${key}: probabilities, Grad-CAM and IG match the PyTorch float64 reference`, async () => {
      const ref = JSON.parse(readFileSync(fixture('keras-families', `${key}.json`), 'utf8')) as Reference;
      const igRef = decodeNpy(new Uint8Array(readFileSync(fixture('keras-families', `${key}-ig.npy`))));
      const m = FAMILY_BUILDERS[key]();
      const size = (m.config.config.layers[0]!.config.batch_input_shape as number[])[1]!;
      const pixels = Float32Array.from(familyPixels(size));
      const model = await modelFromBytes(await familyH5Bytes(m), { preprocess: 'auto', source: `${key}.h5`, backend: gpu() });
      try {
        const probs = await model.run(pixelsToInput(model, pixels)).output.data();
        let worst = 0;
        ref.probabilities.forEach((p, i) => (worst = Math.max(worst, Math.abs(probs[i]! - p))));
        expect(worst, 'probabilities').toBeLessThan(1e-5);

        const cam = await explain(model, pixelsToInput(model, pixels), { method: 'grad-cam' });
        expect(cam.target.index).toBe(ref.target);
        expect(cam.maps[0]!.layer).toBe(ref.camLayer);
        expect(relErr(cam.maps[0]!.data, ref.cam), 'Grad-CAM').toBeLessThan(1e-4);

        const x = pixelsToInput(model, pixels);
        const baseline = pixelsToInput(model, new Float32Array(pixels.length));
        const ig = await integratedGradients(model, x, { baseline, target: ref.target, steps: ref.igSteps, rule: 'right' });
        expect(relErr(await ig.attribution.data(), igRef.data), 'IG').toBeLessThan(1e-4);
        for (const t of [x, baseline, ig.attribution]) t.dispose();
      } finally {
        model.dispose();
      }
    });
  }
});
