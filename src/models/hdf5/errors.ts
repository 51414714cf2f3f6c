/**
 * The one error type the HDF5 reader throws. Every structural problem (truncation, bad
 * signature, checksum mismatch, unsupported feature) surfaces as an Hdf5Error, so callers can
 * tell "this file is bad or unsupported" from a bug in the caller.
 */
export class Hdf5Error extends Error {
  /** HDF5 object path the problem concerns, when known (e.g. `/block1_conv1/block1_conv1_W_1:0`). */
  readonly objectPath: string | undefined;
  /** Absolute byte offset in the file where the problem was found, when known. */
  readonly fileOffset: number | undefined;

  constructor(message: string, details: { objectPath?: string; fileOffset?: number; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'Hdf5Error';
    this.objectPath = details.objectPath;
    this.fileOffset = details.fileOffset;
  }
}
