export * from './ops.js';
export { GradientTape, noGrad, record, type RecordOptions, type VjpRule } from './tape.js';
export { vjp, grad, valueAndGrad, type VjpResult } from './functional.js';
