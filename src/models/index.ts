export * from './layers.js';
export * from './sequential.js';
export * from './preprocessing.js';
export * from './vgg19.js';
export * from './keras-config.js';
export type * from './weights-source.js';
