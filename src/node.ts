/**
 * stieltjes/node: the Node-only helpers (files, PNG/JPEG codecs, WebGPU through Dawn). The main
 * entry point stays browser-safe. docs/api.md lists this surface.
 */

// Models from a path: any Keras .h5 / .keras file, as a model or as its weights alone.
export { loadModelFile, readKerasFile, type LoadModelFileOptions } from './models/load-model-file.js';

// Images: PNG/JPEG files and bytes, as the RgbImage type of the main entry point.
export { readImageFile, writePngFile } from './io/image-file.js';
export { decodeImage, encodePng, type DecodeImageOptions } from './io/image-codec.js';

// Limits on what a file may make the readers allocate (docs/security.md).
export { DEFAULT_LIMITS, LIMIT_VARIABLES, resolveLimits, type InputLimits } from './io/limits.js';

// .npy files (NumPy format 1.0).
export { readNpyFile, writeNpyFile } from './io/npy-file.js';

// Explanations as files: each map as .npy and .png, and result.json (see explain()).
export { writeExplanation, type WriteExplanationOptions, type WrittenExplanation } from './attribution/explanation-writer.js';

// Backends: WebGPU through Dawn, and 'auto' | 'cpu' | 'wasm' | 'webgpu' as the CLI chooses them.
export { createWebGpuBackend, webgpuAvailable } from './kernels/webgpu/device.js';
export { selectBackend, type BackendChoice, type SelectBackendOptions } from './kernels/select-backend.js';
import './default-backend.js'; // the CPU is the default backend (tensor/ imports no backend)
