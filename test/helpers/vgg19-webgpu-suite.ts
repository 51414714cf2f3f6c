/**
 * VGG19 (synthetic tiny weights) on WebGPU against the PyTorch reference, per file layout (used by
 * vgg19-webgpu.slow.test.ts); vgg19.test.ts shows the layouts load as identical models.
 */
import { expect, it } from 'vitest';
import { pixelsToInput } from '../../src/models/input.js';
import { scope } from '../../src/tensor/scope.js';
import { loadTinyVgg19, tinyVgg19Reference } from './tiny-vgg19.js';
import { describeWebGpu } from './webgpu.js';

/** Probabilities to 1e-4 relative and block5_pool to 1e-4 of its largest value, for each layout. */
export function vgg19WebGpuSuite(layouts: readonly ('keras1' | 'keras2' | 'keras3')[]): void {
  describeWebGpu('VGG19 on WebGPU', (gpu) => {
    for (const layout of layouts) {
      it(`${layout} layout: probabilities and block5_pool match PyTorch`, async () => {
        const model = await loadTinyVgg19(layout, gpu());
        const [probsT, poolT] = scope(() => {
          const x = pixelsToInput(model, Float32Array.from(tinyVgg19Reference.rgb()));
          const { output, activations } = model.run(x, { capture: ['block5_pool'] });
          return [output, activations.get('block5_pool')!];
        });
        const probs = await probsT!.data();
        const pool = await poolT!.data();
        probsT!.dispose();
        poolT!.dispose();
        const ref = tinyVgg19Reference.probabilities();
        let worst = 0;
        for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(probs[i]! - ref[i]!) / ref[i]!);
        expect(worst).toBeLessThanOrEqual(1e-4);
        const refPool = tinyVgg19Reference.block5Pool();
        const scale = refPool.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        for (let i = 0; i < refPool.length; i++) expect(Math.abs(pool[i]! - refPool[i]!)).toBeLessThanOrEqual(1e-4 * scale);
        model.dispose();
      });
    }
  });
}
