/** Kernel timing lives in src/bench (shared with the `stieltjes bench` command). */
export * from '../src/bench/timing.js';
