/** Browser-safe input/output helpers: .npy encoding, the RgbImage type and resizing. */
export * from './npy.js';
export * from './image.js';
export * from './resize.js';
