/**
 * A file that is valid HDF5 (or ZIP) but not a Keras weight file this reader understands: a
 * missing `layer_names`, a layer without its group, a weight that is not float32, a broken
 * `.keras` archive. HDF5-level problems stay Hdf5Errors.
 */
export class KerasFormatError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KerasFormatError';
  }
}
