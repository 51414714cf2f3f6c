/**
 * Every HDF5 fixture read by our reader must match what h5py/libhdf5 saw in it
 * (test/fixtures/keras-expectations/expectations.json): link names, dataset shapes, dtypes,
 * sums, sums of squares, first values, and attributes.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Hdf5Error, Hdf5File, type Datatype, type Hdf5Dataset, type Hdf5Group } from '../../src/models/hdf5/index.js';
import { expectations, readFixture, type AttributeExpectation } from './keras-fixtures.js';

/** numpy's dtype string for a datatype, to compare with h5py's. */
function numpyDtype(t: Datatype): string {
  if (t.kind === 'float') return `${t.littleEndian ? '<' : '>'}f${t.size}`;
  if (t.kind === 'int') return `${t.littleEndian ? '<' : '>'}${t.signed ? 'i' : 'u'}${t.size}`;
  return t.kind;
}

function closeTo(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
}

/** Our attribute value in the form generate.py writes. */
function normalise(value: string | number | string[] | number[]): AttributeExpectation {
  if (typeof value === 'string' && new TextEncoder().encode(value).length > 200) {
    return { length: new TextEncoder().encode(value).length, sha256: createHash('sha256').update(value, 'utf8').digest('hex') };
  }
  return value;
}

/** Datasets h5py can read but we must refuse (with the dataset path in the error). */
const MUST_REJECT: Record<string, RegExp> = {
  'hdf5/chunked_gzip.h5:/layer/kernel': /"\/layer\/kernel".*filtered/,
  'hdf5/big_endian.h5:/layer/kernel': /"\/layer\/kernel".*big-endian float32/,
};

describe.each(Object.keys(expectations))('%s', (key) => {
  const expected = expectations[key]!;
  const file = Hdf5File.open(readFixture(key), { name: key });

  it('has the same links in every group', () => {
    for (const [path, names] of Object.entries(expected.groups)) {
      const group = path === '/' ? file.root : file.group(path);
      expect([...group.keys()].sort(), path).toEqual(names);
    }
    // ... and no group h5py did not see.
    const ours: string[] = [];
    file.root.visit((o) => {
      if (o.kind === 'group') ours.push(o.path);
    });
    for (const p of ours) expect(Object.keys(expected.groups)).toContain(p);
  });

  it('reads every dataset with the same shape, dtype and values', () => {
    for (const d of expected.datasets) {
      const ds = file.dataset(d.path);
      expect(ds.shape, d.path).toEqual(d.shape);
      expect(numpyDtype(ds.datatype), d.path).toBe(d.dtype);
      const reject = MUST_REJECT[`${key}:${d.path}`];
      if (reject) {
        expect(() => ds.read()).toThrow(Hdf5Error);
        expect(() => ds.read()).toThrow(reject);
        continue;
      }
      const data = ds.read();
      expect(data.length).toBe(d.shape.reduce((a, b) => a * b, 1));
      let sum = 0;
      let sumsq = 0;
      for (let i = 0; i < data.length; i++) {
        const v = data[i]!;
        sum += v;
        sumsq += v * v;
      }
      closeTo(sum, d.sum);
      closeTo(sumsq, d.sumsq);
      expect(Array.from(data.subarray(0, 5))).toEqual(d.first5);
    }
  });

  it('decodes every attribute as h5py does', () => {
    for (const [path, attrs] of Object.entries(expected.attributes)) {
      const obj: Hdf5Group | Hdf5Dataset = path === '/' ? file.root : file.get(path);
      const ours = obj.attributes();
      expect([...ours.keys()].sort(), path).toEqual(Object.keys(attrs).sort());
      for (const [name, value] of Object.entries(attrs)) {
        expect(normalise(ours.get(name)!.value()), `${path} @${name}`).toEqual(value);
      }
    }
  });
});
