import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy, npyToFloat32, type NpyData } from '../../src/io/npy.js';
import { propertyRuns } from '../../src/testing/runs.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/npy/', import.meta.url));
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, name)));

/** The formula test/fixtures/npy/generate.py used, element i in C order. */
function expectedFloat64(count: number): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const x = i * 0.37 - 1.5;
    out[i] = (x * x * x) / 7;
  }
  return out;
}
const expectedUint8 = (count: number): number[] => Array.from({ length: count }, (_, i) => (i * 37) % 251);

describe('decodeNpy on files written by NumPy', () => {
  const floatCases: [string, number[]][] = [
    ['f4_0d.npy', []],
    ['f4_1d.npy', [7]],
    ['f4_2d.npy', [3, 5]],
    ['f4_hwc.npy', [4, 6, 3]],
    ['f4_nhwc.npy', [1, 3, 2, 3]],
    ['f4_empty.npy', [0, 3]],
    ['f4_2d_v2.npy', [3, 5]],
  ];
  for (const [name, shape] of floatCases) {
    it(`reads ${name} exactly (shape [${shape.join(', ')}])`, () => {
      const a = decodeNpy(fixture(name), name);
      expect(a.descr).toBe('<f4');
      expect(a.shape).toEqual(shape);
      expect(a.data).toBeInstanceOf(Float32Array);
      const count = shape.reduce((n, d) => n * d, 1);
      expect(Array.from(a.data)).toEqual(Array.from(Float32Array.from(expectedFloat64(count))));
    });
  }

  it('reads float64 without rounding it to float32', () => {
    const a = decodeNpy(fixture('f8_2d.npy'));
    expect(a.descr).toBe('<f8');
    expect(a.shape).toEqual([2, 4]);
    expect(a.data).toBeInstanceOf(Float64Array);
    expect(Array.from(a.data)).toEqual(Array.from(expectedFloat64(8)));
    expect(Array.from(npyToFloat32(a))).toEqual(Array.from(Float32Array.from(expectedFloat64(8))));
  });

  it('reads uint8 and int32', () => {
    const u = decodeNpy(fixture('u1_hwc.npy'));
    expect(u.descr).toBe('|u1');
    expect(u.shape).toEqual([2, 3, 3]);
    expect(u.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(u.data)).toEqual(expectedUint8(18));

    const i = decodeNpy(fixture('i4_1d.npy'));
    expect(i.descr).toBe('<i4');
    expect(i.data).toBeInstanceOf(Int32Array);
    expect(Array.from(i.data)).toEqual(expectedUint8(6).map((v) => v - 100000));
  });

  it('keeps special float32 values bit for bit', () => {
    const a = decodeNpy(fixture('f4_special.npy'));
    const bits = Array.from(new Uint32Array(a.data.buffer));
    // -0, +inf, -inf, NaN (NumPy's quiet NaN), smallest subnormal, largest finite.
    expect(bits).toEqual([0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0x00000001, 0x7f7fffff]);
  });

  it('refuses Fortran order, big-endian, complex and structured dtypes, naming the file', () => {
    expect(() => decodeNpy(fixture('reject_fortran.npy'), 'reject_fortran.npy')).toThrow(
      /reject_fortran\.npy.*Fortran/,
    );
    expect(() => decodeNpy(fixture('reject_big_endian.npy'), 'be.npy')).toThrow(/be\.npy.*'>f4' is big-endian/);
    expect(() => decodeNpy(fixture('reject_complex.npy'), 'c.npy')).toThrow(/c\.npy.*'<c8' is not supported/);
    expect(() => decodeNpy(fixture('reject_structured.npy'), 's.npy')).toThrow(/s\.npy.*structured/);
  });

  it('refuses non-npy, truncated and padded data', () => {
    expect(() => decodeNpy(new TextEncoder().encode('hello world, not numpy'), 'x.txt')).toThrow(/x\.txt.*magic/);
    const good = fixture('f4_2d.npy');
    expect(() => decodeNpy(good.subarray(0, good.length - 4), 'cut.npy')).toThrow(/cut\.npy.*truncated/);
    expect(() => decodeNpy(good.subarray(0, 40), 'cut.npy')).toThrow(/cut\.npy.*header/);
    const padded = new Uint8Array(good.length + 4);
    padded.set(good);
    expect(() => decodeNpy(padded, 'pad.npy')).toThrow(/pad\.npy.*trailing/);
  });
});

describe('encodeNpy', () => {
  it('writes a version 1.0 header that puts the data at a multiple of 64 bytes', () => {
    for (const shape of [[], [1], [224, 224, 3], [1, 14, 14, 512], [3, 0]]) {
      const count = shape.reduce((n, d) => n * d, 1);
      const bytes = encodeNpy(new Float32Array(count), shape);
      expect(Array.from(bytes.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
      const headerLength = bytes[8]! + 256 * bytes[9]!;
      expect((10 + headerLength) % 64).toBe(0);
      expect(bytes.length).toBe(10 + headerLength + 4 * count);
      const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLength));
      expect(header.endsWith('\n')).toBe(true);
      const pyShape = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
      expect(header.trimEnd()).toBe(`{'descr': '<f4', 'fortran_order': False, 'shape': ${pyShape}, }`);
    }
  });

  it('round-trips every supported dtype and shape', () => {
    const makers: ((n: number, seed: number) => NpyData)[] = [
      (n, s) => Float32Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i + s) * 1e3)),
      (n, s) => Float64Array.from({ length: n }, (_, i) => Math.sin(i + s) * 1e3),
      (n, s) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + s) % 256),
      (n, s) => Int32Array.from({ length: n }, (_, i) => (i - s) * 65537),
    ];
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 0, maxLength: 4 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 1000 }),
        (shape, kind, seed) => {
          const count = shape.reduce((n, d) => n * d, 1);
          const data = makers[kind]!(count, seed);
          const back = decodeNpy(encodeNpy(data, shape));
          expect(back.shape).toEqual(shape);
          expect(back.data.constructor).toBe(data.constructor);
          expect(Array.from(back.data)).toEqual(Array.from(data));
        },
      ),
      { numRuns: propertyRuns(30) },
    );
  });

  it('encodes a subarray view without the bytes around it', () => {
    const big = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const back = decodeNpy(encodeNpy(big.subarray(2, 5), [3]));
    expect(Array.from(back.data)).toEqual([3, 4, 5]);
  });

  it('rejects a shape that does not match the data', () => {
    expect(() => encodeNpy(new Float32Array(6), [2, 2])).toThrow(/encodeNpy: shape \[2, 2\] holds 4 elements but the data has 6/);
    expect(() => encodeNpy(new Float32Array(2), [-2, -1])).toThrow(/non-negative integers/);
  });
});

/** NumPy is a developer convenience here: CI has no Python, so this check skips there. */
const hasNumpy =
  spawnSync('/usr/bin/python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
if (!hasNumpy) console.warn('npy.test.ts: /usr/bin/python3 with numpy not found; skipping the NumPy load check');

describe.skipIf(!hasNumpy)('files we write load in NumPy', () => {
  it('np.load reads back our float32 and float64 files exactly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stieltjes-npy-'));
    try {
      const f4 = Float32Array.from(expectedFloat64(2 * 3 * 4));
      const f8 = expectedFloat64(5);
      writeFileSync(join(dir, 'a.npy'), encodeNpy(f4, [2, 3, 4]));
      writeFileSync(join(dir, 'b.npy'), encodeNpy(f8, [5]));
      writeFileSync(join(dir, 'c.npy'), encodeNpy(Float32Array.of(2.5), []));
      const script = [
        'import json, sys, numpy as np',
        'd = sys.argv[1]',
        "out = {}",
        "for n in ['a', 'b', 'c']:",
        "    a = np.load(d + '/' + n + '.npy')",
        "    out[n] = [a.dtype.str, list(a.shape), bool(a.flags['C_CONTIGUOUS']), a.ravel().tolist()]",
        'print(json.dumps(out))',
      ].join('\n');
      const run = spawnSync('/usr/bin/python3', ['-c', script, dir], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      const out = JSON.parse(run.stdout) as Record<string, [string, number[], boolean, number[]]>;
      expect(out.a).toEqual(['<f4', [2, 3, 4], true, Array.from(f4)]);
      expect(out.b).toEqual(['<f8', [5], true, Array.from(f8)]);
      expect(out.c).toEqual(['<f4', [], true, [2.5]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
