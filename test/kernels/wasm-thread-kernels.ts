/**
 * Tiny kernels for the thread-pool tests (Node: wasm-thread-pool.test.ts; Chromium:
 * test/browser/threads-entry.ts), generated with the module builder.
 */
import type { KernelRunner } from '../../src/kernels/wasm/kernel-runner.js';
import { ModuleBuilder, type Local } from '../../src/kernels/wasm/module-builder.js';

/**
 * Exports over items [start, end), float32 arrays at byte addresses:
 * - square(src, dst, start, end): dst[i] = src[i]·src[i] + 0.5
 * - fill(dst, v: f32, start, end): dst[i] = v
 * - work(iters, bad, scratch, start, end): traps (unreachable) at item `bad`; otherwise adds 1
 *   `iters` times into scratch[i] (slow enough that several threads take chunks)
 */
export function testModule(shared: boolean): WebAssembly.Module {
  const m = new ModuleBuilder();
  m.importMemory({ module: 'env', name: 'memory', initial: 1, ...(shared ? { maximum: 65536, shared: true } : {}) });
  m.addFunction(['i32', 'i32', 'i32', 'i32'], [], (f) => {
    const [src, dst, start, end] = [f.param(0, 'i32'), f.param(1, 'i32'), f.param(2, 'i32'), f.param(3, 'i32')];
    const i = f.local('i32');
    const x = f.local('f32');
    f.get(start).set(i);
    f.forRange(i, end, 1, () => {
      f.get(src).get(i).i32Const(4).i32Mul().i32Add().f32Load().set(x);
      f.get(dst).get(i).i32Const(4).i32Mul().i32Add();
      f.get(x).get(x).f32Mul().f32Const(0.5).f32Add().f32Store();
    });
  }, 'square');
  m.addFunction(['i32', 'f32', 'i32', 'i32'], [], (f) => {
    const [dst, v, start, end] = [f.param(0, 'i32'), f.param(1, 'f32'), f.param(2, 'i32'), f.param(3, 'i32')];
    const i = f.local('i32');
    f.get(start).set(i);
    f.forRange(i, end, 1, () => {
      f.get(dst).get(i).i32Const(4).i32Mul().i32Add().get(v).f32Store();
    });
  }, 'fill');
  m.addFunction(['i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => {
    const [iters, bad, scratch, start, end] = [0, 1, 2, 3, 4].map((k) => f.param(k, 'i32')) as [Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>];
    const i = f.local('i32');
    const j = f.local('i32');
    const p = f.local('i32');
    f.get(start).set(i);
    f.forRange(i, end, 1, () => {
      f.get(i).get(bad).i32Eq().if(() => f.unreachable());
      f.get(scratch).get(i).i32Const(4).i32Mul().i32Add().set(p);
      f.i32Const(0).set(j);
      f.forRange(j, iters, 1, () => {
        f.get(p).get(p).f32Load().f32Const(1).f32Add().f32Store();
      });
    });
  }, 'work');
  return new WebAssembly.Module(m.build());
}


/**
 * `calls` small fills in a row over the first 16,384 floats, each with its call number, and
 * checks after each that every item holds it: a worker that missed a wake-up (and left its
 * chunk of an earlier call) shows as a stale item. Long enough (microseconds) per call that
 * woken workers often still find chunks. Throws naming the first stale call and item.
 */
export function smallCallsInARow(r: KernelRunner, memory: WebAssembly.Memory, calls: number): void {
  const k = r.load('t', testModule(true));
  const n = 16_384;
  const f32 = new Float32Array(memory.buffer, 0, n);
  for (let call = 1; call <= calls; call++) {
    r.parallelFor(k, 'fill', [0, call], n, 256);
    if (f32.some((x) => x !== call)) throw new Error(`call ${call}: item ${f32.findIndex((x) => x !== call)} stale`);
  }
  if (f32[n - 1] !== calls) throw new Error(`after ${calls} calls the last item holds ${f32[n - 1]}`);
}
