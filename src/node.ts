/**
 * stieltjes/node: the Node-only helpers (files, PNG/JPEG codecs, WebGPU through Dawn). The main
 * entry point stays browser-safe.
 */
export { loadModelFile, readKerasFile, type LoadModelFileOptions } from './models/load-model-file.js';
export { readImageFile, writePngFile } from './io/image-file.js';
export { decodeImage, encodePng, detectImageFormat } from './io/image-codec.js';
export { readNpyFile, writeNpyFile } from './io/npy-file.js';
export { writeExplanation, type WriteExplanationOptions, type WrittenExplanation } from './attribution/explanation-writer.js';
export { writeFileAtomic } from './io/atomic-write.js';
export { createWebGpuBackend, webgpuAvailable } from './kernels/webgpu/device.js';
export { selectBackend, BACKEND_CHOICES, type BackendChoice } from './kernels/select-backend.js';
import './default-backend.js'; // the CPU is the default backend (tensor/ imports no backend)
