/** The dataspace message: the shape of a dataset or attribute. */
import type { Cursor } from './cursor.js';

export interface Dataspace {
  /** 'scalar' has shape [], 'null' has no elements at all. */
  readonly kind: 'scalar' | 'simple' | 'null';
  readonly shape: readonly number[];
  /** Number of elements (1 for scalar, 0 for null). */
  readonly size: number;
}

/** HDF5 allows 32 dimensions. */
const MAX_RANK = 32;

export function parseDataspace(c: Cursor): Dataspace {
  const version = c.u8('dataspace version');
  if (version !== 1 && version !== 2) c.fail(`unsupported dataspace version ${version}`);
  const rank = c.u8('dataspace rank');
  if (rank > MAX_RANK) c.fail(`dataspace rank ${rank} exceeds ${MAX_RANK}`);
  const flags = c.u8('dataspace flags');
  let kind: Dataspace['kind'];
  if (version === 1) {
    c.skip(5);
    kind = rank === 0 ? 'scalar' : 'simple';
  } else {
    const type = c.u8('dataspace type');
    if (type === 0) kind = 'scalar';
    else if (type === 1) kind = 'simple';
    else if (type === 2) kind = 'null';
    else c.fail(`unknown dataspace type ${type}`);
  }
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(c.length('dataspace dimension'));
  // Maximum dimensions (and, in version 1, a never-used permutation index) follow; not needed.
  if (kind !== 'simple' && rank !== 0) c.fail(`a ${kind} dataspace must have rank 0, found ${rank}`);
  const size = kind === 'null' ? 0 : elementCount(shape, c);
  if (flags & 0x01) c.skip(rank * c.ctx.lengthSize, 'dataspace maximum dimensions');
  return { kind, shape, size };
}

/** Product of the dimensions, refusing values that cannot be addressed (corrupt sizes). */
export function elementCount(shape: readonly number[], c: Cursor): number {
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (n > Number.MAX_SAFE_INTEGER) c.fail(`dataspace of shape [${shape.join(', ')}] is too large`);
  }
  return n;
}
