/**
 * stieltjes: reverse-mode autodiff with CPU and WebGPU backends, Keras weight loading, and
 * attribution methods for image classifiers. This entry point is browser-safe: Node-only file
 * helpers live in `stieltjes/node`, the WebGPU backend in `stieltjes/webgpu`.
 */
export * from './tensor/index.js';
export * from './autograd/index.js';
export type * from './kernels/backend.js';
export { CpuBackend, cpuBackend } from './kernels/cpu/cpu-backend.js';
import './default-backend.js'; // the CPU is the default backend (tensor/ imports no backend)
export * from './models/index.js';
export * from './attribution/index.js';
export * from './attribution/heatmap.js';
export * from './attribution/colormap.js';
export * from './io/index.js';
export * from './optim/optimizers.js';
export { VERSION } from './version.js';
