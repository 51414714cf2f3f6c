/**
 * VGG19 (synthetic tiny weights) on WebGPU from the Keras 3 layout (slow tier): the default tier
 * runs the Keras 1 layout (vgg19-webgpu.test.ts), and vgg19.test.ts shows the layouts load as
 * identical models.
 */
import { vgg19WebGpuSuite } from '../helpers/vgg19-webgpu-suite.js';

vgg19WebGpuSuite(['keras3']);
