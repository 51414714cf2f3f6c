export { Tensor } from './tensor.js';
export type { DType, TypedArray } from './dtype.js';
export type { Shape } from './shape.js';
export { broadcastShapes, sizeOf, formatShape } from './shape.js';
export * from './creation.js';
export { scope, scopeAsync, keep } from './scope.js';
export { getBackend, setBackend, withBackend } from './engine.js';
export { Random } from './random.js';
