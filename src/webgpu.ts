/**
 * stieltjes/webgpu: the WebGPU backend. In a browser it uses navigator.gpu; in Node it loads Dawn
 * (the `webgpu` package) lazily, so bundles for the browser never include it.
 */
export { createWebGpuBackend, webgpuAvailable, type WebGpuBackendOptions } from './kernels/webgpu/device.js';
export { selectBackend, BACKEND_CHOICES, type BackendChoice } from './kernels/select-backend.js';
export { totalsByLabel, type DispatchProfile, type DispatchTime } from './kernels/webgpu/dispatch-profiler.js';
export type { AutotuneOptions, CandidateResult, TunedProblem, TuningReport } from './kernels/tuning.js';
