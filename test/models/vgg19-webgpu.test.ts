/**
 * VGG19 (synthetic tiny weights) on WebGPU: the PyTorch reference probabilities to 1e-4 relative,
 * from the Keras 1 layout. vgg19.test.ts shows the three layouts load as identical models; the
 * Keras 3 layout on WebGPU is in vgg19-webgpu.slow.test.ts.
 */
import { vgg19WebGpuSuite } from '../helpers/vgg19-webgpu-suite.js';

vgg19WebGpuSuite(['keras1']);
