import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { createRgbImage, type RgbImage } from '../../src/io/image.js';
import { decodeImage, detectImageFormat, encodePng } from '../../src/io/image-codec.js';
import { readImageFile, writePngFile } from '../../src/io/image-file.js';

// A minimal PNG writer of our own (unfiltered rows, one IDAT), so that decoding is checked
// against files that pngjs did not write, in colour types and depths pngjs cannot write.
function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}

interface PngSpec {
  width: number;
  height: number;
  colorType: 0 | 2 | 3 | 4 | 6;
  bitDepth: 8 | 16;
  /** Samples in row-major order, one number per sample (16-bit samples as 0..65535). */
  samples: number[];
  palette?: number[];
  transparency?: number[];
}

function makePng(spec: PngSpec): Uint8Array {
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[spec.colorType];
  const bytesPerSample = spec.bitDepth / 8;
  const stride = spec.width * channels * bytesPerSample;
  const raw = Buffer.alloc(spec.height * (stride + 1));
  let s = 0;
  for (let y = 0; y < spec.height; y++) {
    raw[y * (stride + 1)] = 0; // filter type None
    for (let i = 0; i < spec.width * channels; i++) {
      const at = y * (stride + 1) + 1 + i * bytesPerSample;
      if (bytesPerSample === 1) raw[at] = spec.samples[s++]!;
      else raw.writeUInt16BE(spec.samples[s++]!, at);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(spec.width, 0);
  ihdr.writeUInt32BE(spec.height, 4);
  ihdr.set([spec.bitDepth, spec.colorType, 0, 0, 0], 8);
  const parts = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr)];
  if (spec.palette) parts.push(chunk('PLTE', Uint8Array.from(spec.palette)));
  if (spec.transparency) parts.push(chunk('tRNS', Uint8Array.from(spec.transparency)));
  parts.push(chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0)));
  return new Uint8Array(Buffer.concat(parts));
}

/** Deterministic pseudo-random bytes (a linear congruential generator), for test images. */
function bytes(count: number, seed: number, max = 256): number[] {
  const out: number[] = [];
  let state = seed;
  for (let i = 0; i < count; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out.push(Math.floor((state / 2147483648) * max));
  }
  return out;
}

function pixel(image: RgbImage, x: number, y: number): number[] {
  const i = (y * image.width + x) * 3;
  return Array.from(image.data.subarray(i, i + 3));
}

describe('decodeImage: PNG', () => {
  it('reads 8-bit RGB exactly', () => {
    const samples = bytes(5 * 3 * 3, 1);
    const image = decodeImage(makePng({ width: 5, height: 3, colorType: 2, bitDepth: 8, samples }), 'rgb.png');
    expect([image.width, image.height]).toEqual([5, 3]);
    expect(Array.from(image.data)).toEqual(samples);
  });

  it('drops alpha without compositing (RGBA and grey+alpha)', () => {
    const samples = bytes(4 * 2 * 4, 2);
    const image = decodeImage(makePng({ width: 4, height: 2, colorType: 6, bitDepth: 8, samples }), 'rgba.png');
    expect(Array.from(image.data)).toEqual(samples.filter((_, i) => i % 4 !== 3));

    const ga = bytes(3 * 2 * 2, 3);
    const grey = decodeImage(makePng({ width: 3, height: 2, colorType: 4, bitDepth: 8, samples: ga }), 'ga.png');
    const levels = ga.filter((_, i) => i % 2 === 0);
    expect(Array.from(grey.data)).toEqual(levels.flatMap((v) => [v, v, v]));
  });

  it('expands grey to RGB, at 8 and 16 bits', () => {
    const g8 = bytes(6, 4);
    const image8 = decodeImage(makePng({ width: 3, height: 2, colorType: 0, bitDepth: 8, samples: g8 }), 'g8.png');
    expect(Array.from(image8.data)).toEqual(g8.flatMap((v) => [v, v, v]));

    const g16 = [0, 1, 128, 129, 32767, 32768, 65280, 65535];
    const image16 = decodeImage(makePng({ width: 4, height: 2, colorType: 0, bitDepth: 16, samples: g16 }), 'g16.png');
    const scaled = g16.map((v) => Math.round((v * 255) / 65535));
    expect(Array.from(image16.data)).toEqual(scaled.flatMap((v) => [v, v, v]));
  });

  it('scales 16-bit RGB to 8 bits', () => {
    const samples = bytes(2 * 2 * 3, 5, 65536);
    const image = decodeImage(makePng({ width: 2, height: 2, colorType: 2, bitDepth: 16, samples }), 'rgb16.png');
    expect(Array.from(image.data)).toEqual(samples.map((v) => Math.round((v * 255) / 65535)));
  });

  it('applies a palette', () => {
    const palette = [10, 20, 30, 200, 100, 0, 1, 2, 3];
    const indices = [2, 0, 1, 1, 0, 2];
    const image = decodeImage(
      makePng({ width: 3, height: 2, colorType: 3, bitDepth: 8, samples: indices, palette, transparency: [255, 0] }),
      'palette.png',
    );
    expect(Array.from(image.data)).toEqual(indices.flatMap((i) => palette.slice(i * 3, i * 3 + 3)));
  });
});

describe('decodeImage: JPEG', () => {
  it('decodes an RGB JPEG close to what was encoded', () => {
    const width = 16;
    const height = 16;
    const rgba = new Uint8Array(width * height * 4);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        rgba.set([x * 15, y * 15, 128, 255], (y * width + x) * 4);
      }
    }
    const encoded = jpeg.encode({ width, height, data: rgba }, 95).data;
    const image = decodeImage(new Uint8Array(encoded), 'smooth.jpg');
    expect([image.width, image.height, image.data.length]).toEqual([16, 16, 16 * 16 * 3]);
    let worst = 0;
    for (let p = 0; p < width * height; p++) {
      for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(image.data[p * 3 + c]! - rgba[p * 4 + c]!));
    }
    expect(worst).toBeLessThanOrEqual(8);
  });

  it('expands a greyscale JPEG (written by PIL) to RGB', () => {
    // 16x8 grey gradient, value x*12 + y*6, saved by PIL at quality 95 (PIL decodes it within 1).
    const file = Buffer.from(
      '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAIBAQEBAQIBAQECAgICAgQDAgICAgUEBAMEBgUGBgYFBgYGBwkIBgcJBwYGCAsICQoKCgoKBggLDAsKDAkKCgr/wAALCAAIABABAREA/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/9oACAEBAAA/APz7/Yk+CX/Hp/on93+Gv2A/Yk+CX/Hp/on93+Gv/9k=',
      'base64',
    );
    const image = decodeImage(new Uint8Array(file), 'grey.jpg');
    expect([image.width, image.height]).toEqual([16, 8]);
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 16; x++) {
        const [r, g, b] = pixel(image, x, y);
        expect(r).toBe(g);
        expect(g).toBe(b);
        expect(Math.abs(r! - (x * 12 + y * 6))).toBeLessThanOrEqual(3);
      }
    }
  });
});

describe('decodeImage: bad input', () => {
  it('names the file and the problem', () => {
    expect(() => decodeImage(new TextEncoder().encode('hello'), 'notes.txt')).toThrow(
      /notes\.txt: not a PNG or JPEG file \(it starts with bytes 68 65 6c 6c 6f\)/,
    );
    expect(() => decodeImage(new Uint8Array(0), 'empty.png')).toThrow(/empty\.png: .*empty file/);
    expect(() => decodeImage(new TextEncoder().encode('GIF89a\x01\x00'), 'anim.gif')).toThrow(
      /anim\.gif: GIF images are not supported/,
    );
    const png = makePng({ width: 4, height: 4, colorType: 2, bitDepth: 8, samples: bytes(48, 6) });
    expect(() => decodeImage(png.subarray(0, 40), 'cut.png')).toThrow(/cut\.png: cannot decode this PNG file/);
    const corrupt = png.slice();
    corrupt[20] = corrupt[20]! ^ 0xff; // inside IHDR: the CRC no longer matches
    expect(() => decodeImage(corrupt, 'crc.png')).toThrow(/crc\.png: cannot decode this PNG file/);
    expect(() => decodeImage(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]), 'bad.jpg')).toThrow(
      /bad\.jpg: cannot decode this JPEG file/,
    );
  });

  it('detects the format from magic bytes, not the name', () => {
    const png = makePng({ width: 1, height: 1, colorType: 2, bitDepth: 8, samples: [1, 2, 3] });
    expect(detectImageFormat(png)).toBe('png');
    expect(Array.from(decodeImage(png, 'misnamed.jpg').data)).toEqual([1, 2, 3]);
    expect(detectImageFormat(Uint8Array.from([0xff, 0xd8, 0xff, 0xdb]))).toBe('jpeg');
    expect(detectImageFormat(Uint8Array.from([0x42, 0x4d]))).toBeUndefined();
  });
});

describe('encodePng', () => {
  it('writes 8-bit RGB (colour type 2) that decodes to the same pixels', () => {
    const image = createRgbImage(7, 5, Uint8Array.from(bytes(7 * 5 * 3, 7)));
    const png = encodePng(image);
    // IHDR starts at byte 16: width, height, bit depth, colour type.
    const view = new DataView(png.buffer, png.byteOffset);
    expect([view.getUint32(16), view.getUint32(20), png[24], png[25]]).toEqual([7, 5, 8, 2]);
    expect(decodeImage(png, 'roundtrip.png')).toEqual(image);
  });

  it('refuses an inconsistent or empty image', () => {
    expect(() => encodePng({ width: 2, height: 2, data: new Uint8Array(11) })).toThrow(/encodePng: .*needs 12 bytes/);
    expect(() => encodePng(createRgbImage(0, 3))).toThrow(/encodePng: .*empty/);
  });
});

describe('image files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stieltjes-image-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a PNG atomically and reads it back', async () => {
    const image = createRgbImage(6, 4, Uint8Array.from(bytes(6 * 4 * 3, 8)));
    const path = join(dir, 'out.png');
    writeFileSync(path, 'old contents');
    await writePngFile(path, image);
    expect(await readImageFile(path)).toEqual(image);
    expect(readdirSync(dir)).toEqual(['out.png']); // no temporary file left behind
  });

  it('reports the path when reading or writing fails, leaving nothing behind', async () => {
    await expect(readImageFile(join(dir, 'missing.png'))).rejects.toThrow(/cannot read image file .*missing\.png/);
    const inMissingDir = join(dir, 'no-such-dir', 'x.png');
    await expect(writePngFile(inMissingDir, createRgbImage(1, 1))).rejects.toThrow(/cannot write .*x\.png/);
    writeFileSync(join(dir, 'text.png'), 'not an image');
    await expect(readImageFile(join(dir, 'text.png'))).rejects.toThrow(/text\.png: not a PNG or JPEG/);
  });
});
