/**
 * Seeded mutants of the fixtures (issue 19) through the library's loaders and image decoders:
 * each gives either a clean one-line error of a known kind naming the file, or a result that is
 * whole (every weight as long as its shape says, every image as many pixels as its size); never
 * another exception, never more than a time budget per case or a memory ceiling. A few hundred
 * cases by default; STIELTJES_PROPERTY_RUNS=N runs N per fixture kind and damage kind (e.g. 200
 * gives about 3,000). The bombs are in bombs.test.ts, the CLI's share in fuzz-cli.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/io/image-codec.js';
import { Hdf5Error } from '../../src/models/hdf5/index.js';
import { KerasFormatError, readKerasArchive, readKerasArchiveSync, readKerasWeights, type KerasWeights } from '../../src/models/keras/index.js';
import { propertyRuns } from '../../src/testing/runs.js';
import { fixtureBytes, repoRoot } from '../helpers/fixtures.js';
import { MUTATION_KINDS, mutate, type MutationKind } from './mutants.js';

/** Per case: far above the few milliseconds each takes, far below a bomb's seconds. */
const CASE_MS = 2_000;
/** The worker's resident memory may not pass this at any case (it sits near 200 MB). */
const RSS_MB = 1_000;

const KERAS = ['tiny_keras3.keras', 'tiny_keras3_deflated.keras', 'tiny_keras3_zip64.keras'].map((f) => ({ name: f, bytes: fixtureBytes('hdf5', f) }));
const H5 = [
  ['keras', 'hls4ml', 'conv2d_1layer.h5'],
  ['keras', 'pplonski_keras2cpp', 'my_nn_weights.h5'],
  ['hdf5', 'features_v3.h5'],
  ['hdf5', 'keras_split_layer_names.h5'],
].map((p) => ({ name: p.at(-1)!, bytes: fixtureBytes(...p) }));
const png = new Uint8Array(readFileSync(join(repoRoot, 'assets', 'digits', 'samples', 'digit-3-899.png')));
const decoded = decodeImage(png, 'digit.png');
const rgba = new Uint8Array(decoded.width * decoded.height * 4).map((_, i) => (i % 4 === 3 ? 255 : decoded.data[Math.floor(i / 4) * 3 + (i % 4)]!));
const IMAGES = [
  { name: 'digit.png', bytes: png },
  { name: 'digit.jpg', bytes: new Uint8Array(jpeg.encode({ width: decoded.width, height: decoded.height, data: rgba }, 90).data) },
];

const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
const zlib = (d: Uint8Array, n: number): Uint8Array => inflateRawSync(d, { maxOutputLength: Math.max(1, n) });

function checkWeights(w: KerasWeights): void {
  for (const layer of w.layers) {
    for (const x of layer.weights) {
      expect(x.shape.every((d) => Number.isSafeInteger(d) && d > 0), `${x.path} shape`).toBe(true);
      expect(x.data.length, x.path).toBe(product(x.shape));
    }
  }
}

/** A typed error on one line naming the file, or rethrows the surprise. */
function expectCleanError(e: unknown, name: string, known: readonly (new (...a: never[]) => Error)[]): void {
  if (!(e instanceof Error) || (known.length > 0 && !known.some((k) => e instanceof k))) throw e;
  expect(e.message, e.message).not.toContain('\n');
  expect(e.message, e.message).toContain(name);
}

const outcomes = new Map<string, { ok: number; error: number; worstMs: number }>();

/** Runs one case under the budgets and tallies its outcome per file kind and damage. */
async function runCase(tally: string, label: string, fn: () => unknown | Promise<unknown>, onError: (e: unknown) => void): Promise<void> {
  const t = outcomes.get(tally) ?? { ok: 0, error: 0, worstMs: 0 };
  outcomes.set(tally, t);
  const started = performance.now();
  try {
    await fn();
    t.ok++;
  } catch (e) {
    onError(e);
    t.error++;
  }
  const ms = performance.now() - started;
  t.worstMs = Math.max(t.worstMs, ms);
  expect(ms, `${label}: ${ms.toFixed(0)} ms`).toBeLessThan(CASE_MS);
  expect(process.memoryUsage().rss / 2 ** 20, label).toBeLessThan(RSS_MB);
}

function cases(files: readonly { name: string; bytes: Uint8Array }[], kinds: readonly MutationKind[], perKind: number) {
  const out: { name: string; kind: MutationKind; seed: number; bytes: Uint8Array }[] = [];
  for (const kind of kinds) {
    for (let seed = 0; seed < perKind; seed++) {
      const f = files[seed % files.length]!;
      out.push({ name: f.name, kind, seed, bytes: mutate(f.bytes, kind, seed * 7919 + kind.length) });
    }
  }
  return out;
}

describe('seeded mutants', () => {
  it('of .keras archives: a KerasFormatError/Hdf5Error naming the archive, or whole weights', async () => {
    for (const c of cases(KERAS, MUTATION_KINDS, propertyRuns(24))) {
      const label = `${c.name} ${c.kind} seed ${c.seed}`;
      // Alternate the two inflaters: DecompressionStream (what loadModelFile uses) and node:zlib.
      const read = c.seed % 2 === 0 ? () => readKerasArchive(c.bytes, { name: c.name }) : () => readKerasArchiveSync(c.bytes, zlib, { name: c.name });
      await runCase(`keras ${c.kind}`, label, async () => checkWeights(await read()), (e) => expectCleanError(e, c.name, [KerasFormatError, Hdf5Error]));
    }
  });

  it('of HDF5 weight files: a KerasFormatError/Hdf5Error naming the file, or whole weights', async () => {
    for (const c of cases(H5, ['flip', 'overwrite', 'truncate', 'zero'], propertyRuns(15))) {
      const label = `${c.name} ${c.kind} seed ${c.seed}`;
      await runCase(`h5 ${c.kind}`, label, () => checkWeights(readKerasWeights(c.bytes, { name: c.name })), (e) => expectCleanError(e, c.name, [KerasFormatError, Hdf5Error]));
    }
  });

  it('of PNG and JPEG images: a one-line error naming the file, or a whole image', async () => {
    for (const c of cases(IMAGES, ['flip', 'overwrite', 'truncate', 'zero'], propertyRuns(20))) {
      const label = `${c.name} ${c.kind} seed ${c.seed}`;
      await runCase(`image ${c.kind}`, label, () => {
        const img = decodeImage(c.bytes, c.name);
        expect(img.width * img.height * 3, label).toBe(img.data.length);
        expect(img.width > 0 && img.height > 0, label).toBe(true);
      }, (e) => expectCleanError(e, c.name, []));
    }
  });

  it('reports its tally (cases per kind, outcomes, worst time)', () => {
    const rows = [...outcomes].map(([k, t]) => `${k}: ${t.ok + t.error} cases, ${t.ok} ok, ${t.error} errors, worst ${t.worstMs.toFixed(0)} ms`);
    if (process.env.STIELTJES_FUZZ_TALLY) console.log(rows.join('\n'));
    expect(rows.length).toBeGreaterThan(0);
  });
});
