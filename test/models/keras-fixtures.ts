/**
 * Where the HDF5 / Keras test fixtures are, and the expectations an independent reader
 * (h5py, test/fixtures/keras-expectations/generate.py) recorded for them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');

/** Our generated fixtures (committed). */
export const hdf5FixtureDir = join(repo, 'test', 'fixtures', 'hdf5');

/**
 * The shared real Keras files (read-only, outside the repository): `$STIELTJES_KERAS_FIXTURES`,
 * else `shared/fixtures/keras` in or beside the checkout.
 */
export const kerasFixtureDir: string = (() => {
  const candidates = [
    process.env.STIELTJES_KERAS_FIXTURES,
    join(repo, 'shared', 'fixtures', 'keras'),
    join(repo, '..', 'shared', 'fixtures', 'keras'),
    '/work/shared/fixtures/keras',
  ].filter((p): p is string => typeof p === 'string' && p.length > 0);
  const found = candidates.find((p) => existsSync(join(p, 'synthetic', 'tiny_vgg19_keras1.h5')));
  if (!found) {
    throw new Error(`Keras fixtures not found (tried ${candidates.join(', ')}); set STIELTJES_KERAS_FIXTURES`);
  }
  return found;
})();

/** Absolute path of a fixture named as in expectations.json: `keras/...` or `hdf5/...`. */
export function fixturePath(key: string): string {
  if (key.startsWith('keras/')) return join(kerasFixtureDir, key.slice('keras/'.length));
  if (key.startsWith('hdf5/')) return join(hdf5FixtureDir, key.slice('hdf5/'.length));
  throw new Error(`unknown fixture key ${key}`);
}

export function readFixture(key: string): Uint8Array {
  const b = readFileSync(fixturePath(key));
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
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
  readFileSync(join(repo, 'test', 'fixtures', 'keras-expectations', 'expectations.json'), 'utf8'),
);

/** The real, Keras-written files (and the synthetic VGG19 ones). */
export const kerasFixtureKeys = Object.keys(expectations).filter((k) => k.startsWith('keras/'));
