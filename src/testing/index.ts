/**
 * stieltjes/testing: gradient checks for your own functions and models. fast-check is an optional
 * peer dependency, needed only by `gradProperty` and the arbitraries. docs/api.md lists this surface.
 */

// Gradient checks: a function's VJP against float64 finite differences (and float32 against float64).
export { checkGrads, assertGrads, type CheckGradsOptions, type CheckGradsReport, type GradMismatch, type GradFn } from './check-grads.js';

// Property-based checks (fast-check): the property, and arbitraries for shapes and values that
// stay off ReLU kinks and max ties; makeValues is the same values from a plain seed.
export { gradProperty, type GradCase } from './grad-property.js';
export { shapeArb, broadcastPairArb, valuesArb, tensorArb, makeValues, type ShapeOptions, type ValueOptions } from './arbitraries.js';

// The primitive table (every differentiable op, its cases, tolerances and second-order rule),
// behind `stieltjes gradcheck` and the backend conformance suite a new backend runs.
export { primitiveTable, primitiveCases, type PrimitiveRow, type PrimitiveCase, type Tolerance } from './primitive-table.js';
export { runConformance, type ConformanceBackend, type ConformanceOptions, type ConformanceRow } from './conformance.js';
export { projectedVjp } from './second-order.js';
export { propertyRuns } from './runs.js';
import '../default-backend.js'; // the CPU is the default backend, as in every entry point (tensor/ imports no backend)
