/**
 * fast-check runs from a fixed seed, so that CI is reproducible: a failure is the same failure on
 * every machine. Explore other seeds with FC_SEED=<number>, or FC_SEED=random for a fresh one per
 * property (fast-check prints the seed of any counterexample it finds).
 */
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
// Tests import src/ files directly rather than an entry point, so they register the default
// backend (the CPU) the way src/index.ts does for a library user.
import '../src/default-backend.js';

const seed = process.env.FC_SEED ?? '20261125';
if (seed !== 'random') fc.configureGlobal({ seed: Number(seed) });

// Mesa's llvmpipe (the WebGPU adapter here without a GPU) compiles every distinct WGSL kernel with
// LLVM, and a test compiles hundreds of kernels that then run on tiny inputs: a fresh machine spent
// about as much CPU compiling as on everything else in the default tier. For the tests, skip
// LLVM's optimisation passes and use 128-bit vectors (about a third less compile time; the kernels
// compute the same values), and keep the compiled kernels in a cache of the tests' own, so that
// these unoptimised kernels never reach the cache a user's real runs read. Either variable set by
// the caller wins.
if (process.env.GALLIVM_PERF === undefined && process.env.MESA_SHADER_CACHE_DIR === undefined) {
  process.env.GALLIVM_PERF = 'nopt';
  process.env.LP_NATIVE_VECTOR_WIDTH ??= '128';
  process.env.MESA_SHADER_CACHE_DIR = fileURLToPath(new URL('../node_modules/.cache/mesa-shaders-tests', import.meta.url));
}
