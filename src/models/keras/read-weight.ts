/** Turning one HDF5 dataset into a KerasWeight: float32 only, as a view. */
import type { Hdf5Dataset } from '../hdf5/index.js';
import { describeDatatype } from '../hdf5/index.js';
import { KerasFormatError } from './errors.js';
import type { KerasWeight } from './types.js';

export function readWeight(dataset: Hdf5Dataset, name: string): KerasWeight {
  const t = dataset.datatype;
  if (!(t.kind === 'float' && t.size === 4)) {
    throw new KerasFormatError(
      `weight "${dataset.path}" holds ${describeDatatype(t)}; Keras weights are expected to be float32`,
    );
  }
  // Valid HDF5 may hold empty datasets, but no Keras layer has an empty weight: a 0 here is a
  // damaged dimension, which would otherwise surface later as a confusing shape mismatch.
  if (dataset.shape.some((d) => d === 0)) {
    throw new KerasFormatError(`weight "${dataset.path}" has shape [${dataset.shape.join(', ')}]: a dimension of 0 (corrupt file)`);
  }
  // readFloat32 rejects big-endian data, chunked or compressed storage, naming the dataset path.
  const data = dataset.readFloat32();
  return { name, path: dataset.path, shape: [...dataset.shape], dtype: 'float32', data };
}
