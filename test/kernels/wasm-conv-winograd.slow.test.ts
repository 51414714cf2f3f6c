/**
 * Winograd F(2×2, 3×3)'s chunking (slow tier: STIELTJES_TESTS=all): wasm-conv-winograd.test.ts runs
 * the same checks (winograd-chunking-suite.ts) with F(4×4), the same code over another tiling.
 */
import { afterEach, describe } from 'vitest';
import { forceConvAlgorithm } from '../../src/kernels/wasm/wasm-conv.js';
import { winogradChunkingTests } from './winograd-chunking-suite.js';

afterEach(() => forceConvAlgorithm(null));

describe('the choice rule, F(2×2)', () => winogradChunkingTests('winograd2'));
