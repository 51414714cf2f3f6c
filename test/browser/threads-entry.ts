/**
 * Runs in the browser (bundled by run-in-chromium.ts): the WebAssembly thread pool on Web Workers.
 * Where the page is cross-origin isolated it runs kernels on 3 threads over a shared memory and
 * compares them with the serial runner, many small calls in a row, a trap and a late module, all
 * from the page's main thread (where Atomics.wait throws, so the pool spins). Where it is not,
 * it reports what threadSupport() says and what createThreadedRunner returned.
 */
import { SerialKernelRunner } from '../../src/kernels/wasm/kernel-runner.js';
import { createThreadedRunner, threadSupport, type ThreadedKernelRunner } from '../../src/kernels/wasm/thread-pool.js';
import { testModule } from '../kernels/wasm-thread-kernels.js';
import { report, step } from './page-report.js';

report(async () => {
  const support = threadSupport();
  const isolated = globalThis.crossOriginIsolated === true;
  await step(`threadSupport: ${JSON.stringify(support)}`);
  if (!support.available) {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const runner = await createThreadedRunner({ threads: 3, memory });
    return { isolated, support, threads: runner.threads };
  }
  const memory = new WebAssembly.Memory({ initial: 4, maximum: 1024, shared: true });
  const runner = (await createThreadedRunner({ threads: 3, memory })) as ThreadedKernelRunner;
  await step('pool started');
  const serial = new SerialKernelRunner(memory);
  const f32 = new Float32Array(memory.buffer);
  const n = 10_007;
  for (let i = 0; i < n; i++) f32[i] = Math.sin(i) * 100;
  const module = testModule(true);
  serial.parallelFor(serial.load('t', module), 'square', [0, 65536], n);
  // Repeated until the workers have run chunks (the caller alone would pass the comparison).
  let mismatches = 0;
  for (let attempt = 0; attempt < 500 && runner.workerChunks === 0; attempt++) {
    f32.fill(-1, 32768, 32768 + n);
    runner.parallelFor(runner.load('t', module), 'square', [0, 131072], n, 7);
    for (let i = 0; i < n; i++) if (!Object.is(f32[16384 + i], f32[32768 + i])) mismatches++;
  }
  const workerChunks = runner.workerChunks;
  await step('square compared');

  const k = runner.load('t', module);
  let stale = 0;
  for (let call = 1; call <= 500; call++) {
    runner.parallelFor(k, 'fill', [0, call], 64);
    if (new Float32Array(memory.buffer, 0, 64).some((x) => x !== call)) stale++;
  }
  await step('500 small calls');

  let trap = '';
  try {
    runner.parallelFor(runner.load('trapper', testModule(true)), 'work', [1000, 5, 4096], 8);
  } catch (e) {
    trap = (e as Error).message;
  }
  const late = runner.load('late', testModule(true));
  runner.parallelFor(late, 'fill', [0, 9], 1000);
  const lateOk = new Float32Array(memory.buffer, 0, 1000).every((x) => x === 9);
  runner.dispose();
  return { isolated, support, threads: runner.threads, mismatches, workerChunks, stale, trap, lateOk };
});
