// Gradient checks on your own function (see docs/gradcheck.md). Run: node examples/gradcheck.mjs
import { tensor, mul, sum, exp, sub, scalarLike } from 'stieltjes';
import { assertGrads, checkGrads } from 'stieltjes/testing';

const softplusSum = (x, w) => sum(mul(w, exp(sub(x, scalarLike(x, 1)))));
const report = await checkGrads(softplusSum, [tensor([0.5, -1, 2]), tensor([1, 2, 3])]);
console.log(`ok=${report.ok} worst error/tolerance=${report.worstRatio.toFixed(4)} checks=${report.checks}`);
await assertGrads(softplusSum, [tensor([0.1, 0.2]), tensor([3, 4])]);

// A deliberately wrong VJP is caught: a custom primitive (forward computed off the tape, then
// recorded with its own rule) whose rule forgets a factor of 2.
import { record, noGrad } from 'stieltjes';
const square = (x) => record('square', [x], noGrad(() => mul(x, x)), (dy) => [mul(dy, x)]);
const bad = await checkGrads((x) => sum(square(x)), [tensor([1, 2, 3])]);
console.log(`wrong rule detected: ${!bad.ok}`);
