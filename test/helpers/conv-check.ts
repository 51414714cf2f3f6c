/**
 * One check for the WebGPU convolution suites: the passes of a convolution case on the WebGPU
 * backend against the CPU float64 oracle, inputs drawn in [-1, 1) from the case's seed.
 */
import type { WebGpuBackend } from '../../src/kernels/webgpu/webgpu-backend.js';
import { arg, expectClose, runBoth, seededValues, sizeOfShape, sumTolerance } from './webgpu.js';
import { convCaseParams, convCaseShapes, type ConvCase } from './window-params.js';

export interface ConvPasses {
  /** conv2d with a bias, and with the fused ReLU. */
  bias: boolean;
  relu: boolean;
  /** Also the filter gradient (its sum runs over every output pixel). */
  filterGradient: boolean;
}

/** conv2d, conv2dBackpropInput and (optionally) conv2dBackpropFilter of case `c`, each against the CPU. */
export async function checkConvPasses(gpu: WebGpuBackend, c: ConvCase & { seed: number }, o: ConvPasses): Promise<void> {
  const s = convCaseShapes(c);
  const p = convCaseParams(c);
  const what = `${JSON.stringify(c)} bias ${o.bias} relu ${o.relu}`;
  const x = arg(s.x, seededValues(sizeOfShape(s.x), c.seed));
  const w = arg(s.w, seededValues(sizeOfShape(s.w), c.seed + 1));
  const dy = arg(s.y, seededValues(sizeOfShape(s.y), c.seed + 2));
  const b = arg([c.Cout], seededValues(c.Cout, c.seed + 3));
  const fwd = await runBoth(gpu, o.bias ? [x, w, b] : [x, w], (be, [tx, tw, tb]) => be.conv2d(tx!, tw!, tb ?? null, p, o.relu));
  expectClose(fwd.gpu, fwd.cpu, sumTolerance(c.kh * c.kw * c.Cin, o.bias ? 2 : 1), 1e-5, `conv2d ${what}`);
  const dx = await runBoth(gpu, [dy, w], (be, [tdy, tw]) => be.conv2dBackpropInput(tdy!, tw!, s.x, p));
  expectClose(dx.gpu, dx.cpu, sumTolerance(c.kh * c.kw * c.Cout, 1), 1e-5, `conv2dBackpropInput ${what}`);
  if (o.filterGradient) await checkFilterGradient(gpu, c, what);
}

/** conv2dBackpropFilter of case `c` against the CPU. */
export async function checkFilterGradient(gpu: WebGpuBackend, c: ConvCase & { seed: number }, what: string): Promise<void> {
  const s = convCaseShapes(c);
  const x = arg(s.x, seededValues(sizeOfShape(s.x), c.seed));
  const dy = arg(s.y, seededValues(sizeOfShape(s.y), c.seed + 2));
  const r = await runBoth(gpu, [x, dy], (be, [tx, tdy]) => be.conv2dBackpropFilter(tx!, tdy!, s.w, convCaseParams(c)));
  expectClose(r.gpu, r.cpu, sumTolerance(c.N * s.y[1]! * s.y[2]!, 1), 1e-5, `conv2dBackpropFilter ${what}`);
}
