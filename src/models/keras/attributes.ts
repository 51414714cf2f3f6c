/** Reading the string attributes Keras writes, in either of h5py's string kinds. */
import type { Hdf5Dataset, Hdf5Group } from '../hdf5/index.js';
import { KerasFormatError } from './errors.js';

/** Keras never splits an attribute into more chunks than this; a larger count is corruption. */
const MAX_SPLIT_CHUNKS = 10_000;

/**
 * A list-of-strings attribute such as `layer_names` or `weight_names`, or undefined if absent.
 * Keras splits values over 64,512 bytes into `name0`, `name1`, ...; both forms are accepted.
 * An empty list is stored as a float64 array of length 0 (not as strings): that reads as [].
 */
export function stringListAttribute(obj: Hdf5Group | Hdf5Dataset, name: string): string[] | undefined {
  const whole = obj.attr(name);
  if (whole) return asStrings(whole, obj.path);
  if (!obj.attr(`${name}0`)) return undefined;
  const out: string[] = [];
  for (let i = 0; i < MAX_SPLIT_CHUNKS; i++) {
    const part = obj.attr(`${name}${i}`);
    if (!part) return out;
    out.push(...asStrings(part, obj.path));
  }
  throw new KerasFormatError(`attribute "${name}" of "${obj.path}" is split into too many chunks`);
}

function asStrings(attr: NonNullable<ReturnType<Hdf5Group['attr']>>, ownerPath: string): string[] {
  if (attr.isString) return attr.strings();
  if (attr.size === 0) return [];
  throw new KerasFormatError(
    `attribute "${attr.name}" of "${ownerPath}" should hold strings but holds ${attr.size} numbers`,
  );
}

/** A single-string attribute (`keras_version`, `backend`, `model_config`), or undefined. */
export function stringAttribute(obj: Hdf5Group, name: string): string | undefined {
  const attr = obj.attr(name);
  if (!attr || !attr.isString) return undefined;
  const values = attr.strings();
  return values.length === 1 ? values[0] : undefined;
}
