/**
 * stieltjes/testing: gradient checks for your own functions and models. fast-check is an optional
 * peer dependency, needed only by `gradProperty` and the arbitraries.
 */
export { checkGrads, assertGrads, type CheckGradsOptions, type CheckGradsReport, type GradMismatch, type GradFn } from './check-grads.js';
export { gradProperty, type GradCase } from './grad-property.js';
export * from './arbitraries.js';
export { primitiveCases, type PrimitiveCase } from './primitive-cases.js';
