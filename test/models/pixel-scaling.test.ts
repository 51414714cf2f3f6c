import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromArray } from '../../src/tensor/creation.js';
import { preprocess, preprocessValues, unpreprocess, unpreprocessValues } from '../../src/models/preprocessing.js';
import { outputSaturationWarning, PIXEL_SCALINGS, pixelScaling, resolvePixelScaling, saturationWarning, zeroMapWarning, type PixelScaling } from '../../src/models/pixel-scaling.js';
import { modelFromBytes } from '../../src/models/load-model.js';
import { loadModelFile } from '../../src/models/load-model-file.js';

const px = Float32Array.from([0, 127.5, 255, 10, 20, 30]);

function applied(rule: PixelScaling): number[] {
  return Array.from(preprocessValues(pixelScaling(rule), px, 3));
}

describe('pixel scaling rules', () => {
  it('none, unit, symmetric', () => {
    expect(applied('none')).toEqual(Array.from(px));
    applied('unit').forEach((v, i) => expect(v).toBeCloseTo(px[i]! / 255, 6));
    applied('symmetric').forEach((v, i) => expect(v).toBeCloseTo(px[i]! / 127.5 - 1, 6));
  });

  it('caffe: RGB → BGR minus the ImageNet means', () => {
    const m = [103.939, 116.779, 123.68];
    const want = [255 - m[0]!, 127.5 - m[1]!, 0 - m[2]!, 30 - m[0]!, 20 - m[1]!, 10 - m[2]!];
    applied('caffe').forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 4));
  });

  it('torch: x/255, minus mean, divided by std, per channel', () => {
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    const want = Array.from(px, (p, i) => (p / 255 - mean[i % 3]!) / std[i % 3]!);
    applied('torch').forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    // The tensor form agrees, and both invert.
    const t = fromArray(px, [1, 1, 2, 3]);
    const x = preprocess(pixelScaling('torch'), t);
    Array.from(x.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    Array.from(unpreprocess(pixelScaling('torch'), x).dataSync()).forEach((v, i) => expect(v).toBeCloseTo(px[i]!, 3));
    Array.from(unpreprocessValues(pixelScaling('torch'), Float32Array.from(want), 3)).forEach((v, i) => expect(v).toBeCloseTo(px[i]!, 3));
  });
});

describe('auto', () => {
  const conv = { name: 'conv', kind: 'conv2d' };
  it('a named rule wins over everything', () => {
    expect(resolvePixelScaling('torch', { modelName: 'vgg19', layers: [], marker: 'unit-scale' }).rule).toBe('torch');
    expect(PIXEL_SCALINGS).toEqual(['none', 'unit', 'symmetric', 'caffe', 'torch', 'auto']);
  });
  it('order: family, then a Rescaling/Normalization layer, then the file attribute, then none', () => {
    const rescale = { name: 'rescale', kind: 'rescaling' };
    expect(resolvePixelScaling('auto', { modelName: 'vgg19', layers: [rescale], marker: 'unit-scale' }).rule).toBe('caffe');
    const inside = resolvePixelScaling('auto', { modelName: 'm', layers: [conv, rescale], marker: 'unit-scale' });
    expect(inside.rule).toBe('none');
    expect(inside.reason).toContain("Rescaling layer 'rescale' inside the model");
    expect(resolvePixelScaling('auto', { modelName: 'm', layers: [{ name: 'n', kind: 'normalization' }] }).reason).toContain('Normalization');
    const marked = resolvePixelScaling('auto', { modelName: 'm', layers: [conv], marker: 'unit-scale' });
    expect(marked.rule).toBe('unit');
    expect(marked.fallback).toBe(false);
    const nothing = resolvePixelScaling('auto', { modelName: 'm', layers: [conv] });
    expect(nothing.rule).toBe('none');
    expect(nothing.fallback).toBe(true);
    expect(nothing.reason).toContain('--preprocess');
    expect(() => resolvePixelScaling('auto', { modelName: 'm', layers: [], marker: 'weird' })).toThrow(/unknown stieltjes_preprocessing 'weird'/);
  });
  it('the bundled digit model resolves to unit through its file attribute', async () => {
    const bytes = new Uint8Array(readFileSync('assets/digits/digits-cnn.h5'));
    const model = await modelFromBytes(bytes, { preprocess: 'auto' });
    expect(model.preprocessing).toBe(pixelScaling('unit'));
    const none = await modelFromBytes(bytes, { preprocess: 'none' });
    expect(none.preprocessing).toBe(pixelScaling('none'));
    expect((await loadModelFile('assets/digits/digits-cnn.h5', { preprocess: 'torch' })).preprocessing).toBe(pixelScaling('torch'));
  });
});

describe('warnings', () => {
  it('saturation at ≥ 1 − 1e-6 only', () => {
    expect(saturationWarning(0.999)).toBeUndefined();
    expect(saturationWarning(1)).toContain('--preprocess');
  });
  it('a model output is judged only when it is a probability distribution', () => {
    expect(outputSaturationWarning([1, 0, 0])).toContain('saturated');
    expect(outputSaturationWarning([0.5, 0.5])).toBeUndefined();
    expect(outputSaturationWarning([30, -2])).toBeUndefined();
  });
  it('an all-zero map', () => {
    expect(zeroMapWarning('map', [0, 0])).toContain('--preprocess');
    expect(zeroMapWarning('map', [0, 1e-9])).toBeUndefined();
  });
});
