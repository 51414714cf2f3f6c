/**
 * The WebAssembly suites that turn on V8's relaxed-SIMD flag at run time (Node 20 accepts
 * relaxed SIMD only behind it): the module builder (wasm-builder.suite.ts), the backend's kernels
 * (wasm-kernels.suite.ts) and the convolutions' FMA path (wasm-conv-fma.suite.ts). Once set, the
 * flag holds for the rest of the process, where every later file would take the FMA path; so
 * they run together in this one file, in a process of its own (vitest.config.ts: ISOLATED),
 * rather than in one process each (about 2 s of start-up and imports apiece).
 *
 * Importing a suite module registers its mul+add suites; its FMA suites come from its
 * `fmaSuites`, called below, so that they all run after every mul+add suite, as each did at the
 * end of its own file: the mul+add tests never see the flag.
 */
import { fmaSuites as builderFma } from './wasm-builder.suite.js';
import { fmaSuites as kernelsFma } from './wasm-kernels.suite.js';
import { fmaSuites as convFma } from './wasm-conv-fma.suite.js';

builderFma();
kernelsFma();
convFma();
