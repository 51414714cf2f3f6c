/**
 * The workgroup-memory convolution kernel (conv2d-tiled.ts) that real GPUs get, forced here on
 * whatever adapter runs the tests, in its default configurations: 64×64 tiles where chosen, the
 * flattened K, and a batch dispatched in pieces (test/helpers/conv-tiled-suites.ts). Every other
 * tiling runs in the slow tier (webgpu-conv-tiled-variants.slow.test.ts).
 */
import { flatKSuite, piecesSuite, tiledSuite } from '../helpers/conv-tiled-suites.js';

// Variants end in BMxBNxBKxbuffers (conv2d-tiled.ts).
tiledSuite('webgpu tiled convolution (64×64 tiles where chosen)', {}, /^tiled\|.*\|64x64x16x2$/);
flatKSuite({ family: 'tiled', fillWorkgroups: 1024, flatK: true });
piecesSuite();
