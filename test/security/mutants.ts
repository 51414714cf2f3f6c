/**
 * A small seeded mutator: the kinds of damage issue 19 tried by hand (bit flips, overwritten
 * runs, truncations, zeroed blocks, and zip-level damage to the directory's fields), each
 * mutant reproducible from its fixture, kind and seed alone.
 */

export const MUTATION_KINDS = ['flip', 'overwrite', 'truncate', 'zero', 'zip'] as const;
export type MutationKind = (typeof MUTATION_KINDS)[number];

/** mulberry32: a tiny, good-enough PRNG for choosing where to damage a file. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Interesting values for a size or offset field: zero, small, just off, all ones, huge. */
const EXTREMES = [0, 1, 10, 0x7fffffff, 0xfffffffe, 0xffffffff];

/** A damaged copy of `bytes`; 'zip' damage falls back to a flip when there is no directory. */
export function mutate(bytes: Uint8Array, kind: MutationKind, seed: number): Uint8Array {
  const rnd = random(seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const out = bytes.slice();
  const n = out.length;
  switch (kind) {
    case 'flip':
      for (let i = 0, k = 1 + int(8); i < k; i++) out[int(n)]! ^= 1 << int(8);
      return out;
    case 'overwrite': {
      const at = int(n);
      for (let i = at, end = Math.min(n, at + 1 + int(64)); i < end; i++) out[i] = int(256);
      return out;
    }
    case 'truncate':
      return out.subarray(0, int(n));
    case 'zero': {
      const at = int(n);
      out.fill(0, at, Math.min(n, at + 16 + int(4096)));
      return out;
    }
    case 'zip':
      return damageZipDirectory(out, rnd) ?? mutate(bytes, 'flip', seed);
  }
}

/** Central directory fields worth damaging: offset within the record, and width. */
const CENTRAL_FIELDS: readonly (readonly [number, 2 | 4])[] = [
  [10, 2], // compression method
  [16, 4], // crc-32
  [20, 4], // compressed size
  [24, 4], // uncompressed size
  [28, 2], // name length
  [30, 2], // extra length
  [42, 4], // local header offset
];

function damageZipDirectory(out: Uint8Array, rnd: () => number): Uint8Array | undefined {
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const records: number[] = [];
  for (let p = 0; p + 46 <= out.length; p++) if (v.getUint32(p, true) === 0x02014b50) records.push(p);
  if (records.length === 0) return undefined;
  const record = records[Math.floor(rnd() * records.length)]!;
  const choice = Math.floor(rnd() * (CENTRAL_FIELDS.length + 1));
  if (choice === CENTRAL_FIELDS.length) {
    // Give this entry another entry's name (a duplicate), when the lengths allow it.
    const other = records[Math.floor(rnd() * records.length)]!;
    const length = v.getUint16(other + 28, true);
    if (length === v.getUint16(record + 28, true)) out.copyWithin(record + 46, other + 46, other + 46 + length);
    return out;
  }
  const [offset, width] = CENTRAL_FIELDS[choice]!;
  const value = rnd() < 0.5 ? EXTREMES[Math.floor(rnd() * EXTREMES.length)]! : Math.floor(rnd() * 2 ** (8 * width));
  if (width === 2) v.setUint16(record + offset, value & 0xffff, true);
  else v.setUint32(record + offset, value >>> 0, true);
  return out;
}
