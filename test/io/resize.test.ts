import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resampleBilinear } from '../../src/io/bilinear.js';
import { createRgbImage, cropImage, type RgbImage } from '../../src/io/image.js';
import { decodeNpy } from '../../src/io/npy.js';
import { centerCropBox, resizeImage } from '../../src/io/resize.js';
import { propertyRuns } from '../../src/testing/runs.js';

const fixture = (name: string) =>
  decodeNpy(new Uint8Array(readFileSync(fileURLToPath(new URL(`../fixtures/npy/${name}`, import.meta.url)))), name);

/** An image whose pixel (y, x) is f(y, x) in every channel c offset by 10·c. */
function imageFrom(width: number, height: number, f: (y: number, x: number) => number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = f(y, x) + 10 * c;
    }
  }
  return createRgbImage(width, height, data);
}

function channel(image: RgbImage, c: number): number[] {
  return Array.from(image.data).filter((_, i) => i % 3 === c);
}

describe('resampleBilinear', () => {
  it('matches PyTorch interpolate(bilinear, align_corners=False)', () => {
    const input = fixture('resize_in_5x7x3.npy');
    for (const [h, w] of [[9, 4], [2, 3], [13, 17], [1, 1]] as const) {
      const expected = fixture(`resize_out_${h}x${w}x3.npy`);
      expect(expected.shape).toEqual([h, w, 3]);
      const got = resampleBilinear(input.data, { height: 5, width: 7, channels: 3 }, { height: h, width: w });
      got.forEach((v, i) => expect(Math.abs(v - expected.data[i]!)).toBeLessThan(1e-3));
    }
    const cam = fixture('resize_in_7x7x1.npy');
    const camExpected = fixture('resize_out_32x32x1.npy');
    const camGot = resampleBilinear(cam.data, { height: 7, width: 7, channels: 1 }, { height: 32, width: 32 });
    camGot.forEach((v, i) => expect(Math.abs(v - camExpected.data[i]!)).toBeLessThan(1e-6));
  });

  it('interpolates at half-pixel centres (hand-checked)', () => {
    // 2 -> 4: samples at -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1).
    expect(Array.from(resampleBilinear([0, 100], { height: 1, width: 2, channels: 1 }, { height: 1, width: 4 }))).toEqual([0, 25, 75, 100]);
    // 4 -> 2: samples at 0.5 and 2.5, the means of neighbouring pairs.
    expect(Array.from(resampleBilinear([10, 20, 30, 40], { height: 1, width: 4, channels: 1 }, { height: 1, width: 2 }))).toEqual([15, 35]);
    // 2x2 -> 1x1: the centre, the mean of all four.
    expect(Array.from(resampleBilinear([0, 10, 20, 50], { height: 2, width: 2, channels: 1 }, { height: 1, width: 1 }))).toEqual([20]);
    // Channels are interpolated independently.
    expect(Array.from(resampleBilinear([0, 1, 100, 3], { height: 1, width: 2, channels: 2 }, { height: 1, width: 4 }))).toEqual([0, 1, 25, 1.5, 75, 2.5, 100, 3]);
  });

  it('keeps a constant input constant, at any size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 12 }),
        fc.double({ min: -1e3, max: 1e3, noNaN: true }),
        (h, w, outH, outW, value) => {
          const out = resampleBilinear(new Array<number>(h * w).fill(value), { height: h, width: w, channels: 1 }, { height: outH, width: outW });
          expect(out.every((v) => v === value)).toBe(true);
        },
      ),
      { numRuns: propertyRuns(20) },
    );
  });

  it('upsamples a linear ramp by 2 into a linear ramp away from the borders', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 8 }),
        fc.double({ min: -100, max: 100, noNaN: true }),
        fc.double({ min: -10, max: 10, noNaN: true }),
        (w, a, b) => {
          const ramp = Array.from({ length: w }, (_, x) => a + b * x);
          const out = resampleBilinear(ramp, { height: 1, width: w, channels: 1 }, { height: 1, width: 2 * w });
          // Output i samples x = i/2 - 1/4; i = 1 .. 2w-2 stay inside [0, w-1].
          for (let i = 1; i <= 2 * w - 2; i++) {
            expect(out[i]!).toBeCloseTo(a + b * (i / 2 - 0.25), 9);
          }
        },
      ),
      { numRuns: propertyRuns(20) },
    );
  });

  it('rejects sizes that do not match the data', () => {
    expect(() => resampleBilinear([1, 2, 3], { height: 2, width: 2, channels: 1 }, { height: 4, width: 4 })).toThrow(/input of 2x2x1 needs 4 values, got 3/);
    expect(() => resampleBilinear([1], { height: 1, width: 1, channels: 1 }, { height: 0, width: 4 })).toThrow(/outH must be a positive integer/);
  });
});

describe('resizeImage', () => {
  it('is the identity when the size is unchanged', () => {
    const image = imageFrom(5, 4, (y, x) => (y * 37 + x * 11) % 200);
    const out = resizeImage(image, 4, 5);
    expect(out).toEqual(image);
    expect(out.data).not.toBe(image.data); // a copy, not an alias
  });

  it('rounds bilinear values to bytes', () => {
    const image = imageFrom(2, 1, (_, x) => [0, 101][x]!);
    const out = resizeImage(image, 1, 4);
    // 101/4 = 25.25 and 3·101/4 = 75.75 round to 25 and 76.
    expect(channel(out, 0)).toEqual([0, 25, 76, 101]);
    expect(channel(out, 2)).toEqual([20, 45, 96, 121]);
  });

  it('keeps a constant image constant and a 2x upsampled ramp linear', () => {
    const flat = imageFrom(7, 3, () => 77);
    expect(channel(resizeImage(flat, 11, 5), 1)).toEqual(new Array<number>(55).fill(87));
    const ramp = imageFrom(6, 2, (_, x) => 40 * x); // 0, 40, ..., 200
    const up = resizeImage(ramp, 4, 12);
    const row = channel(up, 0).slice(0, 12);
    for (let i = 1; i <= 10; i++) expect(row[i]).toBe(Math.round(40 * (i / 2 - 0.25)));
  });

  it('centre-crops to the target aspect ratio before resizing', () => {
    // 6 wide, 2 tall: columns 0-1 and 4-5 are 200, columns 2-3 are 50. A square crop keeps 2-3.
    const image = imageFrom(6, 2, (_, x) => (x === 2 || x === 3 ? 50 : 200));
    const cropped = resizeImage(image, 4, 4, { centerCrop: true });
    expect(channel(cropped, 0)).toEqual(new Array<number>(16).fill(50));
    const stretched = resizeImage(image, 4, 4);
    expect(channel(stretched, 0)).toContain(200);
  });

  it('offers nearest-neighbour sampling at pixel centres', () => {
    const image = imageFrom(4, 1, (_, x) => [10, 20, 30, 40][x]!);
    expect(channel(resizeImage(image, 1, 2, { interpolation: 'nearest' }), 0)).toEqual([20, 40]);
    expect(channel(resizeImage(image, 1, 8, { interpolation: 'nearest' }), 0)).toEqual([10, 10, 20, 20, 30, 30, 40, 40]);
  });

  it('rejects bad targets and empty images', () => {
    const image = imageFrom(2, 2, () => 0);
    expect(() => resizeImage(image, 0, 3)).toThrow(/resizeImage: target size 3x0/);
    expect(() => resizeImage(image, 2.5, 3)).toThrow(/resizeImage: target size/);
    expect(() => resizeImage(createRgbImage(0, 0), 2, 2)).toThrow(/cannot resize an empty/);
    expect(() => resizeImage(image, 2, 2, { interpolation: 'cubic' as 'nearest' })).toThrow(/unknown interpolation 'cubic'/);
  });
});

describe('centerCropBox', () => {
  it('takes the largest centred box with the target aspect ratio', () => {
    expect(centerCropBox(200, 300, 224, 224)).toEqual({ top: 0, left: 50, height: 200, width: 200 });
    expect(centerCropBox(300, 200, 224, 224)).toEqual({ top: 50, left: 0, height: 200, width: 200 });
    expect(centerCropBox(480, 640, 3, 4)).toEqual({ top: 0, left: 0, height: 480, width: 640 });
    expect(centerCropBox(100, 100, 1, 2)).toEqual({ top: 25, left: 0, height: 50, width: 100 });
  });

  it('always fits inside the image, centred, with about the target ratio', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 300 }),
        (h, w, th, tw) => {
          const box = centerCropBox(h, w, th, tw);
          expect(box.top + box.height).toBeLessThanOrEqual(h);
          expect(box.left + box.width).toBeLessThanOrEqual(w);
          expect(Math.abs(h - box.height - 2 * box.top)).toBeLessThanOrEqual(1);
          expect(Math.abs(w - box.width - 2 * box.left)).toBeLessThanOrEqual(1);
          // The image's longer side (relative to the target) is cut, to within rounding of the
          // target ratio (and at least one pixel); the other side is kept whole.
          if (w * th > tw * h) {
            expect(box.height).toBe(h);
            expect(Math.abs(box.width - Math.max(1, (h * tw) / th))).toBeLessThanOrEqual(0.5 + 1e-9);
          } else if (w * th < tw * h) {
            expect(box.width).toBe(w);
            expect(Math.abs(box.height - Math.max(1, (w * th) / tw))).toBeLessThanOrEqual(0.5 + 1e-9);
          } else {
            expect(box).toEqual({ top: 0, left: 0, height: h, width: w });
          }
        },
      ),
      { numRuns: propertyRuns(30) },
    );
  });
});

describe('cropImage', () => {
  it('copies the rectangle and refuses one that does not fit', () => {
    const image = imageFrom(4, 3, (y, x) => y * 4 + x);
    const crop = cropImage(image, 1, 2, 2, 2);
    expect(channel(crop, 0)).toEqual([6, 7, 10, 11]);
    expect(() => cropImage(image, 2, 0, 2, 4)).toThrow(/does not fit in a 4x3 image/);
  });
});
