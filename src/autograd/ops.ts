/**
 * Every differentiable operation, in one import. Importing this module also wires the three ops
 * the tape needs (add, onesLike, zerosLike) into it.
 */
import { installTapeOps } from './tape.js';
import { add } from './primitives/arithmetic.js';
import { onesLike, zerosLike } from './primitives/constants.js';

export * from './primitives/arithmetic.js';
export * from './primitives/elementwise-binary.js';
export * from './primitives/elementwise-unary.js';
export * from './primitives/constants.js';
export * from './primitives/broadcast.js';
export * from './primitives/reshape.js';
export * from './primitives/reduce.js';
export * from './primitives/layout.js';
export * from './primitives/where.js';
export * from './primitives/cast.js';
export * from './primitives/matmul.js';
export * from './primitives/conv2d.js';
export * from './primitives/depthwise-conv2d.js';
export * from './primitives/pool.js';
export * from './primitives/resize.js';
export * from './primitives/softmax.js';
export * from './primitives/gather.js';
export type { PaddingSpec } from './primitives/window.js';

installTapeOps({ add, onesLike, zerosLike });
