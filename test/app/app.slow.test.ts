/** The page in headless Chromium with WebGPU off (WebAssembly and TypeScript backends): see app-suite.ts. */
import { appSuite } from './app-suite.js';

appSuite('no-webgpu');
