import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { colormapBytes } from '../../src/attribution/colormap.js';
import {
  igMap,
  normalizeMap,
  overlay,
  renderHeatmap,
  renderPanel,
  sideBySide,
  upsampleMap,
} from '../../src/attribution/heatmap.js';
import { createRgbImage, type RgbImage } from '../../src/io/image.js';
import { propertyRuns } from '../../src/testing/runs.js';

function solid(width: number, height: number, rgb: readonly [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) data.set(rgb, p * 3);
  return createRgbImage(width, height, data);
}

function pixel(image: RgbImage, x: number, y: number): number[] {
  const i = (y * image.width + x) * 3;
  return Array.from(image.data.subarray(i, i + 3));
}

describe('upsampleMap', () => {
  it('interpolates bilinearly with half-pixel centres', () => {
    // 1x2 -> 2x4: every row is [0, 0.25, 0.75, 1] of the input [0, 1].
    expect(Array.from(upsampleMap([0, 1], 1, 2, 2, 4))).toEqual([0, 0.25, 0.75, 1, 0, 0.25, 0.75, 1]);
    // A 2x2 map upsampled x2: corners keep the input values, the middle averages.
    const up = upsampleMap([0, 4, 8, 12], 2, 2, 4, 4);
    expect(up[0]).toBe(0);
    expect(up[15]).toBe(12);
    expect(up[5]).toBe(3); // sample (0.25, 0.25): 0 + 4·0.25 + 8·0.25
  });

  it('stays within the range of the input and keeps constant maps constant', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 0, max: 1000 }),
        (h, w, outH, outW, seed) => {
          const map = Float32Array.from({ length: h * w }, (_, i) => Math.sin(i * 12.9898 + seed) * 10);
          const min = Math.min(...map);
          const max = Math.max(...map);
          for (const v of upsampleMap(map, h, w, outH, outW)) {
            expect(v).toBeGreaterThanOrEqual(min - 1e-5);
            expect(v).toBeLessThanOrEqual(max + 1e-5);
          }
          const flat = upsampleMap(new Float32Array(h * w).fill(2.5), h, w, outH, outW);
          expect(flat.every((v) => v === 2.5)).toBe(true);
        },
      ),
      { numRuns: propertyRuns(20) },
    );
  });

  it('refuses a map of the wrong size', () => {
    expect(() => upsampleMap(new Float32Array(5), 2, 3, 4, 4)).toThrow(/upsampleMap: a 2x3 map needs 6 values, got 5/);
  });
});

describe('normalizeMap', () => {
  it('maps the minimum to 0 and the maximum to 1, linearly', () => {
    expect(Array.from(normalizeMap([2, 4, 3, 6]))).toEqual([0, 0.5, 0.25, 1]);
    expect(Array.from(normalizeMap([-1, 1]))).toEqual([0, 1]);
  });

  it('keeps an all-zero or constant map all zero, never NaN', () => {
    expect(Array.from(normalizeMap(new Float32Array(4)))).toEqual([0, 0, 0, 0]);
    expect(Array.from(normalizeMap([7, 7, 7]))).toEqual([0, 0, 0]);
    expect(Array.from(normalizeMap([-0, 0]))).toEqual([0, 0]);
    expect(normalizeMap([])).toHaveLength(0);
    // The smallest positive float32 still has a range and normalises without NaN.
    expect(Array.from(normalizeMap(Float32Array.from([0, 1e-45])))).toEqual([0, 1]);
  });

  it('lands in [0, 1] for any finite map', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e30, max: 1e30, noNaN: true }), { minLength: 1, maxLength: 40 }), (values) => {
        const out = normalizeMap(values);
        for (const v of out) {
          expect(Number.isNaN(v)).toBe(false);
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: propertyRuns(25) },
    );
  });

  it('refuses NaN and infinities, naming the entry', () => {
    expect(() => normalizeMap([0, Number.NaN])).toThrow(/normalizeMap: entry 1 is NaN/);
    expect(() => normalizeMap([Infinity])).toThrow(/normalizeMap: entry 0 is Infinity/);
  });
});

describe('igMap', () => {
  // 1x2 pixels, 3 channels: pixel 0 = (1, -2, 3), pixel 1 = (-4, 0.5, -0.5).
  const attribution = Float32Array.from([1, -2, 3, -4, 0.5, -0.5]);

  it('sums |a| over channels', () => {
    expect(Array.from(igMap(attribution, [1, 2, 3], 'abs'))).toEqual([6, 5]);
    expect(Array.from(igMap(attribution, [1, 2, 3]))).toEqual([6, 5]);
  });

  it('sums max(a, 0) over channels', () => {
    expect(Array.from(igMap(attribution, [1, 2, 3], 'positive'))).toEqual([4, 0.5]);
  });

  it('accepts a batch of one and rejects other shapes', () => {
    expect(Array.from(igMap(attribution, [1, 1, 2, 3]))).toEqual([6, 5]);
    expect(() => igMap(attribution, [2, 1, 1, 3])).toThrow(/igMap: attribution shape \[2, 1, 1, 3\] must be \[H, W, C\]/);
    expect(() => igMap(attribution, [2, 2, 3])).toThrow(/needs 12 values, got 6/);
    expect(() => igMap(attribution, [1, 2, 3], 'signed' as 'abs')).toThrow(/unknown mode 'signed'/);
  });
});

describe('overlay', () => {
  it('blends (1 - alpha)·image + alpha·heat, rounded', () => {
    const image = solid(2, 1, [100, 0, 255]);
    const heat = solid(2, 1, [0, 201, 255]);
    expect(pixel(overlay(image, heat), 0, 0)).toEqual([50, 101, 255]); // 100.5 rounds up
    expect(pixel(overlay(image, heat, 0.25), 1, 0)).toEqual([75, 50, 255]);
    expect(overlay(image, heat, 0)).toEqual(image);
    expect(overlay(image, heat, 1)).toEqual(heat);
  });

  it('refuses mismatched sizes and alpha outside [0, 1]', () => {
    expect(() => overlay(solid(2, 2, [0, 0, 0]), solid(2, 1, [0, 0, 0]))).toThrow(
      /overlay: the heatmap is 2x1 but the image is 2x2/,
    );
    expect(() => overlay(solid(1, 1, [0, 0, 0]), solid(1, 1, [0, 0, 0]), 1.5)).toThrow(/alpha must be in \[0, 1\]/);
  });
});

describe('renderPanel', () => {
  it('puts original | heatmap | overlay side by side with background gaps', () => {
    const a = solid(2, 2, [255, 0, 0]);
    const b = solid(3, 2, [0, 255, 0]);
    const c = solid(1, 2, [0, 0, 255]);
    const panel = renderPanel(a, b, c, { gap: 1, background: [9, 9, 9] });
    expect([panel.width, panel.height]).toEqual([2 + 1 + 3 + 1 + 1, 2]);
    const row = Array.from({ length: panel.width }, (_, x) => pixel(panel, x, 1));
    expect(row).toEqual([
      [255, 0, 0], [255, 0, 0], [9, 9, 9],
      [0, 255, 0], [0, 255, 0], [0, 255, 0], [9, 9, 9],
      [0, 0, 255],
    ]);
  });

  it('top-aligns images of different heights over the background (white by default)', () => {
    const panel = sideBySide([solid(1, 3, [1, 2, 3]), solid(1, 1, [4, 5, 6])]);
    expect([panel.width, panel.height]).toEqual([1 + 8 + 1, 3]);
    expect(pixel(panel, 9, 0)).toEqual([4, 5, 6]);
    expect(pixel(panel, 9, 2)).toEqual([255, 255, 255]);
    expect(pixel(panel, 0, 2)).toEqual([1, 2, 3]);
  });

  it('refuses bad options', () => {
    const a = solid(1, 1, [0, 0, 0]);
    expect(() => renderPanel(a, a, a, { gap: -1 })).toThrow(/gap must be a non-negative integer/);
    expect(() => renderPanel(a, a, a, { background: [0, 0, 256] })).toThrow(/background must be three integers/);
  });
});

describe('renderHeatmap', () => {
  it('runs the spec pipeline: upsample, normalise, colour, overlay, panel', () => {
    const image = solid(4, 4, [200, 100, 0]);
    // A 2x2 map whose top-left is hottest.
    const result = renderHeatmap([3, 1, 1, 1], 2, 2, image);
    expect(result.normalized).toHaveLength(16);
    expect(result.normalized[0]).toBe(1); // the top-left corner keeps the maximum
    expect(result.normalized[15]).toBe(0); // the bottom-right corner keeps the minimum
    expect(pixel(result.heatmap, 0, 0)).toEqual(colormapBytes(1, 'jet'));
    expect(pixel(result.heatmap, 3, 3)).toEqual(colormapBytes(0, 'jet'));
    const jet1 = colormapBytes(1, 'jet');
    expect(pixel(result.overlay, 0, 0)).toEqual([200, 100, 0].map((v, c) => Math.round(0.5 * v + 0.5 * jet1[c]!)));
    expect([result.panel.width, result.panel.height]).toEqual([4 * 3 + 8 * 2, 4]);
    expect(pixel(result.panel, 0, 0)).toEqual([200, 100, 0]);
    expect(pixel(result.panel, 12, 0)).toEqual(pixel(result.heatmap, 0, 0));
    expect(pixel(result.panel, 24, 0)).toEqual(pixel(result.overlay, 0, 0));
  });

  it('renders an all-zero map as the colour of 0 everywhere (no NaN)', () => {
    const result = renderHeatmap(new Float32Array(4), 2, 2, solid(3, 3, [0, 0, 0]), { colormap: 'hot' });
    expect(result.normalized.every((v) => v === 0)).toBe(true);
    for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) expect(pixel(result.heatmap, x, y)).toEqual(colormapBytes(0, 'hot'));
  });
});
