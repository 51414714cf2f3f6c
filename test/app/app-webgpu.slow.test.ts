/** The page in headless Chromium on its SwiftShader WebGPU adapter (slow tier): see app-suite.ts. */
import { appSuite } from './app-suite.js';

appSuite('webgpu-swiftshader');
