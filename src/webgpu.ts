/**
 * stieltjes/webgpu: the WebGPU backend. In a browser it uses navigator.gpu; in Node it loads Dawn
 * (the `webgpu` package) lazily, so bundles for the browser never include it. docs/api.md lists
 * this surface.
 */

// The backend: create it (or check that an adapter exists), or pick 'auto' | 'cpu' | 'wasm' | 'webgpu'.
export { createWebGpuBackend, webgpuAvailable, type WebGpuBackendOptions } from './kernels/webgpu/device.js';
export type { WebGpuBackend } from './kernels/webgpu/webgpu-backend.js';
export { selectBackend, type BackendChoice, type SelectBackendOptions } from './kernels/select-backend.js';

// Where the time goes: WebGpuBackend.profile() and timeKernels() results, summed per kernel.
export { totalsByLabel, type DispatchProfile, type DispatchTime } from './kernels/webgpu/dispatch-profiler.js';

// Tuning the kernels to this GPU: WebGpuBackend.autotune() options and report.
export type { AutotuneOptions, CandidateResult, TunedProblem, TuningReport } from './kernels/tuning.js';
import './default-backend.js'; // the CPU is the default backend, as in every entry point (tensor/ imports no backend)
