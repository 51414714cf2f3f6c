/**
 * Attribution on the synthetic tiny VGG19 (real topology, caffe preprocessing), on the WebAssembly
 * backend: completeness is a property of the method, and at 224×224 the TypeScript backend spent
 * ~15 s of CPU here (the CPU backend's attribution is checked against references in cli.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { integratedGradients } from '../../src/attribution/integrated-gradients.js';
import { rsiGradCam } from '../../src/attribution/rsi-grad-cam.js';
import { createSerialWasmBackend } from '../../src/kernels/wasm/create-wasm-backend.js';
import { pixelsToInput } from '../../src/models/input.js';
import { loadTinyVgg19, tinyVgg19Reference } from '../helpers/tiny-vgg19.js';

describe('tiny VGG19', () => {
  it('IG completeness: Σ IG ≈ y(x) − y(black), and the delta shrinks with m; RSI-Grad-CAM at block5_pool likewise', async () => {
    const model = await loadTinyVgg19('keras2', createSerialWasmBackend());
    const x = pixelsToInput(model, Float32Array.from(tinyVgg19Reference.rgb()));
    const black = pixelsToInput(model, new Float32Array(224 * 224 * 3));
    const coarse = await integratedGradients(model, x, { baseline: black, steps: 4, target: 563 });
    const fine = await integratedGradients(model, x, { baseline: black, steps: 32, target: 563 });
    const gap = fine.scoreInput - fine.scoreBaseline;
    expect(Math.abs(gap)).toBeGreaterThan(1e-3);
    expect(Math.abs(fine.delta)).toBeLessThan(Math.abs(coarse.delta));
    expect(Math.abs(fine.delta)).toBeLessThan(0.1 * Math.abs(gap));
    const rsi = await rsiGradCam(model, x, { baseline: black, layers: ['block5_pool'], steps: 16, target: 563 });
    expect(Math.abs(rsi.maps[0]!.completenessDelta)).toBeLessThan(0.1 * Math.abs(gap));
    expect(rsi.scoreInput).toBeCloseTo(fine.scoreInput, 5);
    fine.attribution.dispose();
    coarse.attribution.dispose();
    model.dispose();
  });
});
