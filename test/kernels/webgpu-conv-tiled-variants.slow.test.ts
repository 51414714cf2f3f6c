/**
 * The workgroup-memory convolution kernel (conv2d-tiled.ts) in every tiling the tuner can choose
 * besides the default (which webgpu-conv-tiled.test.ts checks): tile sizes, K steps, one or two
 * tile buffers, and the flattened K with 32×32 tiles (test/helpers/conv-tiled-suites.ts).
 */
import { parseGemmChoice } from '../../src/kernels/webgpu/gemm-choice-text.js';
import { flatKSuite, tiledSuite } from '../helpers/conv-tiled-suites.js';

// Variants end in BMxBNxBKxbuffers (conv2d-tiled.ts).
tiledSuite('webgpu tiled convolution (128×128 tiles)', { gemm: parseGemmChoice('tiled:128:256') }, /^tiled\|.*\|128x128x8x2$/);
tiledSuite('webgpu tiled convolution (one tile buffer)', { gemm: parseGemmChoice('tiled:auto:1024:1buf') }, /^tiled\|.*x1$/);
tiledSuite('webgpu tiled convolution (32×32 tiles, 8×8 workgroups)', { gemm: parseGemmChoice('tiled:32:1024') }, /^tiled\|.*\|32x32x8x2$/);
// Longer K steps: several vec4 copies of each operand per invocation and step.
tiledSuite('webgpu tiled convolution (32×32 tiles, K steps of 32)', { gemm: parseGemmChoice('tiled:32:1024:k32') }, /^tiled\|.*\|32x32x32x2$/);
tiledSuite('webgpu tiled convolution (64×64 tiles, K steps of 32, one buffer)', { gemm: parseGemmChoice('tiled:64:1024:k32:1buf') }, /^tiled\|.*\|64x64x32x1$/);
tiledSuite('webgpu tiled convolution (128×128 tiles, K steps of 16)', { gemm: parseGemmChoice('tiled:128:256:k16') }, /^tiled\|.*\|128x128x16x2$/);
// 128×64 tiles: two vec4 copies of A per invocation and step, one of the filter.
tiledSuite('webgpu tiled convolution (128×64 tiles)', { gemm: parseGemmChoice('tiled:128x64:1024') }, /^tiled\|.*\|128x64x16x2$/);
flatKSuite({ family: 'tiled', tile: { rows: 32, cols: 32 }, fillWorkgroups: 0, kStep: 32, flatK: true });
