/** `.keras` archives (Keras 3 zips): stored and deflated, sync and async inflaters, corruption. */
import { inflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Hdf5Error } from '../../src/models/hdf5/index.js';
import {
  isZip,
  KerasFormatError,
  readKerasArchive,
  readKerasArchiveSync,
  readKerasWeights,
  readZipDirectory,
  type KerasWeights,
} from '../../src/models/keras/index.js';
import { entryData } from '../../src/models/keras/zip.js';
import { readFixture } from './keras-fixtures.js';
import { propertyRuns } from '../../src/testing/runs.js';

const STORED = readFixture('hdf5/tiny_keras3.keras');
const DEFLATED = readFixture('hdf5/tiny_keras3_deflated.keras');
/** Written by Python's zipfile with ZIP64 records; the classic end record says "see ZIP64". */
const ZIP64 = readFixture('hdf5/tiny_keras3_zip64.keras');
const zlibInflate = (d: Uint8Array, size: number): Uint8Array => inflateRawSync(d, { maxOutputLength: Math.max(1, size) });

function summary(w: KerasWeights): unknown {
  return w.layers.map((l) => [l.name, l.className, l.path, l.weights.map((x) => [x.name, [...x.shape], Array.from(x.data)])]);
}

describe('.keras archives', () => {
  it('lists the three entries Keras writes', () => {
    expect(isZip(STORED)).toBe(true);
    expect(readZipDirectory(STORED).map((e) => [e.name, e.method])).toEqual([
      ['metadata.json', 0],
      ['config.json', 0],
      ['model.weights.h5', 0],
    ]);
    expect(readZipDirectory(DEFLATED).every((e) => e.method === 8)).toBe(true);
  });

  it('orders layers by config.json (not by class) and reports the Keras version from metadata.json', async () => {
    const w = await readKerasArchive(STORED);
    expect(w.generation).toBe('keras3');
    expect(w.kerasVersion).toBe('3.3.3');
    expect((w.modelConfig as { class_name: string }).class_name).toBe('Sequential');
    expect(w.layers.map((l) => [l.name, l.className, l.path])).toEqual([
      ['input', 'InputLayer', '/layers/input_layer'],
      ['c1', 'Conv2D', '/layers/conv2d'],
      ['mix', 'Dense', '/layers/dense'],
      ['c2', 'Conv2D', '/layers/conv2d_1'],
      ['flat', 'Flatten', '/layers/flatten'],
      ['out', 'Dense', '/layers/dense_1'],
    ]);
    expect(w.layers[3]!.weights.map((x) => x.shape)).toEqual([[3, 3, 3, 2], [2]]);
  });

  it('gives the same weights stored or deflated, sync (zlib) or async (DecompressionStream or injected)', async () => {
    const reference = summary(await readKerasArchive(STORED));
    expect(summary(await readKerasArchive(DEFLATED))).toEqual(reference);
    expect(summary(readKerasArchiveSync(DEFLATED, zlibInflate))).toEqual(reference);
    let calls = 0;
    const injected = async (d: Uint8Array, size: number): Promise<Uint8Array> => {
      calls++;
      return zlibInflate(d, size);
    };
    expect(summary(await readKerasArchive(DEFLATED, { inflateRaw: injected }))).toEqual(reference);
    expect(calls).toBe(3);
  });

  it('reads ZIP64 archives (ZIP64 end record and extra fields)', async () => {
    const entries = readZipDirectory(ZIP64);
    expect(entries.map((e) => [e.name, e.method])).toEqual([
      ['metadata.json', 8],
      ['config.json', 8],
      ['model.weights.h5', 8],
    ]);
    expect(entries[2]!.uncompressedSize).toBeGreaterThan(10_000);
    expect(summary(readKerasArchiveSync(ZIP64, zlibInflate))).toEqual(summary(await readKerasArchive(STORED)));
  });

  it('without config.json, the weights file alone gives Keras 3 per-class order', async () => {
    const entry = readZipDirectory(STORED).find((e) => e.name === 'model.weights.h5')!;
    const withConfig = await readKerasArchive(STORED);
    // The stored entry's bytes are the .weights.h5 file itself.
    const alone = readKerasWeights(entryData(STORED, entry));
    expect(alone.layers.map((l) => l.path)).toEqual([
      '/layers/conv2d',
      '/layers/conv2d_1',
      '/layers/dense',
      '/layers/dense_1',
      '/layers/flatten',
      '/layers/input_layer',
    ]);
    expect(alone.layers.map((l) => l.name).sort()).toEqual(withConfig.layers.map((l) => l.name).sort());
  });

  it('rejects a zip without model.weights.h5, a non-zip, and corrupt deflated data', async () => {
    const noWeights = STORED.slice();
    // Rename the weights entry in the central directory.
    const dirName = new TextEncoder().encode('model.weights.h5');
    const at = lastIndexOf(noWeights, dirName);
    noWeights[at] = 'x'.charCodeAt(0);
    await expect(readKerasArchive(noWeights)).rejects.toThrow(/no "model.weights.h5"/);
    expect(() => readKerasArchiveSync(new Uint8Array(64), zlibInflate)).toThrow(/not a ZIP archive/);
    const corrupt = DEFLATED.slice();
    corrupt[200] = corrupt[200]! ^ 0xff; // inside the deflated config/metadata/weights data
    const failure = (): KerasWeights => readKerasArchiveSync(corrupt, zlibInflate);
    expect(failure).toThrow(KerasFormatError);
  });

  it('truncated or flipped archives give a typed error or a sane result', () => {
    fc.assert(
      fc.property(fc.constantFrom(STORED, DEFLATED, ZIP64), fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), fc.integer({ min: 0, max: 2 }), (zip, at, mode) => {
        const bytes = mode === 0 ? zip.subarray(0, Math.floor(at * zip.length)) : zip.slice();
        if (mode > 0) {
          const i = Math.floor(at * bytes.length);
          bytes[i] = bytes[i]! ^ (mode === 1 ? 0x01 : 0xa5);
        }
        try {
          const w = readKerasArchiveSync(bytes, zlibInflate);
          for (const l of w.layers) for (const x of l.weights) expect(x.data.length).toBe(x.shape.reduce((a, b) => a * b, 1));
        } catch (e) {
          if (!(e instanceof KerasFormatError || e instanceof Hdf5Error)) throw e;
        }
      }),
      { numRuns: propertyRuns(30) },
    );
  });
});

function lastIndexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = haystack.length - needle.length; i >= 0; i--) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  throw new Error('not found');
}
