/** The kernel cases live in src/bench (shared with the `stieltjes bench` command). */
export * from '../src/bench/kernel-cases.js';
