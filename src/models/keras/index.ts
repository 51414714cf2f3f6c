/** Keras weight files: every HDF5 layout and `.keras` archives (browser-safe; Node file reading is in read-file.ts). */
export { KerasFormatError } from './errors.js';
export { layersWithWeights, type KerasGeneration, type KerasLayerWeights, type KerasWeight, type KerasWeights } from './types.js';
export { readKerasWeights, type ReadKerasWeightsOptions } from './weights.js';
export { isZip, readKerasArchive, readKerasArchiveSync, type ReadKerasArchiveOptions } from './archive.js';
export { inflateRawWithStreams, readZipDirectory, type InflateRaw, type ZipEntry } from './zip.js';
export {
  channelsFirstDenseToChannelsLast,
  convertTheanoWeights,
  detectKernelConvention,
  theanoKernelToHwio,
  type KernelConvention,
  type TheanoConversionOptions,
} from './theano.js';
export { compareKeras3Keys, kerasSnakeCase } from './keras3-layout.js';
