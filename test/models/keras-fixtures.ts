/**
 * Where the HDF5 / Keras test fixtures are, and the expectations an independent reader
 * (h5py, test/fixtures/keras-expectations/generate.py) recorded for them.
 */
import { readFileSync } from 'node:fs';
import { fixture, fixtureBytes } from '../helpers/fixtures.js';

/**
 * Absolute path of a fixture named as in expectations.json: `keras/...` (the vendored Keras files)
 * or `hdf5/...` (our generated ones), both below test/fixtures.
 */
export function fixturePath(key: string): string {
  if (key.startsWith('keras/') || key.startsWith('hdf5/')) return fixture(key);
  throw new Error(`unknown fixture key ${key}`);
}

export function readFixture(key: string): Uint8Array {
  fixturePath(key);
  return fixtureBytes(key);
}

export interface DatasetExpectation {
  readonly path: string;
  readonly shape: number[];
  /** numpy dtype string: `<f4`, `>f4`, `<f8`, `<i4`. */
  readonly dtype: string;
  readonly sum: number;
  readonly sumsq: number;
  readonly first5: number[];
}

export type AttributeExpectation = string | number | (string | number)[] | { length: number; sha256: string };

export interface FileExpectation {
  /** Group path -> sorted link names. */
  readonly groups: Record<string, string[]>;
  readonly datasets: DatasetExpectation[];
  /** Object path -> attribute name -> value. */
  readonly attributes: Record<string, Record<string, AttributeExpectation>>;
}

export const expectations: Record<string, FileExpectation> = JSON.parse(
  readFileSync(fixture('keras-expectations', 'expectations.json'), 'utf8'),
);

/** The real, Keras-written files (and the synthetic VGG19 ones). */
export const kerasFixtureKeys = Object.keys(expectations).filter((k) => k.startsWith('keras/'));
