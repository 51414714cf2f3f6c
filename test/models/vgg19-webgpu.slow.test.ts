/**
 * VGG19 (synthetic tiny weights) on WebGPU, from the Keras 1 and Keras 3 layouts (slow tier: on a
 * fresh machine llvmpipe compiles every kernel VGG19's shapes pick, about 5 s of CPU; the default
 * tier runs a graph model on WebGPU, graph-model-webgpu.test.ts, and every primitive's kernels,
 * conformance-webgpu.test.ts). vgg19.test.ts shows the layouts load as identical models.
 */
import { vgg19WebGpuSuite } from '../helpers/vgg19-webgpu-suite.js';

vgg19WebGpuSuite(['keras1', 'keras3']);
