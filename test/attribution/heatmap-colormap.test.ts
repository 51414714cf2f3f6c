import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { colormap, colormapBytes, colormapColor, type ColormapName } from '../../src/attribution/colormap.js';
import { decodeNpy } from '../../src/io/npy.js';
import { propertyRuns } from '../../src/testing/runs.js';

const matplotlibTable = (name: ColormapName): Float64Array => {
  const file = fileURLToPath(new URL(`../fixtures/npy/colormap_${name}_256.npy`, import.meta.url));
  const table = decodeNpy(new Uint8Array(readFileSync(file)), file);
  expect(table.shape).toEqual([256, 3]);
  return table.data as Float64Array;
};

describe('colormapColor', () => {
  for (const name of ['jet', 'hot'] as const) {
    it(`${name} equals matplotlib's definition at all 256 table positions`, () => {
      const table = matplotlibTable(name);
      for (let k = 0; k < 256; k++) {
        const [r, g, b] = colormapColor(k / 255, name);
        expect(Math.abs(r - table[k * 3]!)).toBeLessThan(1e-12);
        expect(Math.abs(g - table[k * 3 + 1]!)).toBeLessThan(1e-12);
        expect(Math.abs(b - table[k * 3 + 2]!)).toBeLessThan(1e-12);
      }
    });
  }

  it('clamps values outside [0, 1] and refuses NaN and unknown maps', () => {
    expect(colormapColor(-3)).toEqual(colormapColor(0));
    expect(colormapColor(7, 'hot')).toEqual(colormapColor(1, 'hot'));
    expect(() => colormapColor(Number.NaN)).toThrow(/colormapColor: value is NaN/);
    expect(() => colormapColor(0.5, 'viridis' as ColormapName)).toThrow(/unknown colormap 'viridis' \(available: jet, hot\)/);
  });

  it('hot never gets darker as the value grows', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const cLo = colormapColor(lo, 'hot');
        const cHi = colormapColor(hi, 'hot');
        for (let c = 0; c < 3; c++) expect(cHi[c]!).toBeGreaterThanOrEqual(cLo[c]! - 1e-12);
      }),
      { numRuns: propertyRuns(25) },
    );
  });
});

describe('colormapBytes: known colours', () => {
  it('jet: dark blue at 0, light green at 0.5, dark red at 1', () => {
    // 0: (0, 0, 0.5); 0.5: red (0.5 - 0.35)/0.31 = 0.4839, green 1, blue 1 - (0.5 - 0.34)/0.31 = 0.4839;
    // 1: (0.5, 0, 0). Times 255, rounded.
    expect(colormapBytes(0, 'jet')).toEqual([0, 0, 128]);
    expect(colormapBytes(0.5, 'jet')).toEqual([123, 255, 123]);
    expect(colormapBytes(1, 'jet')).toEqual([128, 0, 0]);
    // 0.2: blue on its plateau, green (0.2 - 0.125)/0.25 = 0.3 (76.5 rounds to 77).
    expect(colormapBytes(0.2, 'jet')).toEqual([0, 77, 255]);
    // 0.91: green just reached 0, red 1 - 0.5·(0.91 - 0.89)/0.11 = 0.909.
    expect(colormapBytes(0.91, 'jet')).toEqual([232, 0, 0]);
  });

  it('hot: near-black red at 0, orange at 0.5, white at 1', () => {
    // 0: (0.0416, 0, 0); 0.5: red 1, green (0.5 - 0.365079)/(0.746032 - 0.365079) = 0.3542, blue 0.
    expect(colormapBytes(0, 'hot')).toEqual([11, 0, 0]);
    expect(colormapBytes(0.5, 'hot')).toEqual([255, 90, 0]);
    expect(colormapBytes(1, 'hot')).toEqual([255, 255, 255]);
  });
});

describe('colormap', () => {
  it('colours every pixel of a map, row-major', () => {
    const values = Float32Array.from([0, 0.25, 0.5, 0.75, 1, 0.125]);
    const image = colormap(values, 2, 3, 'jet');
    expect([image.width, image.height]).toEqual([3, 2]);
    values.forEach((v, i) => expect(Array.from(image.data.subarray(i * 3, i * 3 + 3))).toEqual(colormapBytes(v, 'jet')));
    expect(colormap(values, 3, 2, 'hot').data).not.toEqual(image.data);
  });

  it('refuses a size that does not match and NaN entries, naming the entry', () => {
    expect(() => colormap(new Float32Array(5), 2, 3)).toThrow(/colormap: a 2x3 map needs 6 values, got 5/);
    expect(() => colormap(Float32Array.from([0, Number.NaN]), 1, 2)).toThrow(/colormap: value 1 is NaN/);
  });
});
