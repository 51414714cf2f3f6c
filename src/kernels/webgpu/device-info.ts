/** The device the WebGPU backend runs on, as device.ts found it (its own module: the backend and the factory both need it). */
import type { DeviceLimits } from './executor.js';

export interface AcquiredDevice {
  device: GPUDevice;
  adapter: GPUAdapter;
  limits: DeviceLimits;
  /** 'vulkan' | 'metal' | 'd3d12' | 'opengles' | 'browser' … as far as it can be told. */
  api: string;
  featureLevel: 'core' | 'compatibility';
  adapterDescription: string;
  /** A software rasteriser (llvmpipe, SwiftShader): kernels then favour CPU-friendly shapes. */
  cpuEmulated: boolean;
}
