/** Pure-TypeScript HDF5 reader (browser-safe: no Node modules, no native or wasm code). */
export { Hdf5Error } from './errors.js';
export { Hdf5Attribute, Hdf5Dataset, Hdf5File, Hdf5Group, type Hdf5OpenOptions, type Hdf5Source } from './file.js';
export type { Datatype } from './datatype.js';
export { describeDatatype } from './datatype.js';
export type { NumericArray } from './dataset.js';
export type { Link } from './link.js';
