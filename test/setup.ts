/**
 * fast-check runs from a fixed seed, so that CI is reproducible: a failure is the same failure on
 * every machine. Explore other seeds with FC_SEED=<number>, or FC_SEED=random for a fresh one per
 * property (fast-check prints the seed of any counterexample it finds).
 */
import fc from 'fast-check';
// Tests import src/ files directly rather than an entry point, so they register the default
// backend (the CPU) the way src/index.ts does for a library user.
import '../src/default-backend.js';

const seed = process.env.FC_SEED ?? '20261125';
if (seed !== 'random') fc.configureGlobal({ seed: Number(seed) });
