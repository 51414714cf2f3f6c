/**
 * The thread pool's worker, as one self-contained plain-JavaScript string (no imports, no
 * TypeScript, no bundler helpers), and the layout of the control block it shares with the pool.
 * A string, not a module file: Node starts it with `new Worker(source, { eval: true })` and
 * browsers from a Blob URL, so neither vitest, tsup nor esbuild has to know that a worker file
 * exists or where it ends up after bundling. The string is not type-checked; the thread-pool tests
 * run it in Node and the browser test in Chromium.
 *
 * What the worker does (the protocol; thread-pool.ts is the other side):
 * - It receives `init` (the shared `WebAssembly.Memory`, the control block, its index, its spin
 *   count), answers `ready`, then enters its loop. `module` messages (a key and a compiled
 *   `WebAssembly.Module`) and `fn` messages (an integer id for a key and an export name) arrive
 *   at any time; they are only stored, and instantiated over the shared memory on first use.
 * - The loop waits for its own sequence word to change (a short spin on Atomics.load, then
 *   Atomics.wait, which workers may call in Node and in browsers), records that it saw it (ACK:
 *   the pool tells a dead worker from a slow one by it), and claims the task (CLAIM 0 → 1). The
 *   claim fails when the caller has already finished every chunk and withdrawn the offer (a worker
 *   woken late, on a loaded machine, is then not waited for); the worker goes back to sleep. A
 *   worker that claimed takes chunk indices from the shared `NEXT` counter with Atomics.add until
 *   none is left, calling the export on each, then decrements `PENDING` and, if it was the last,
 *   notifies the caller waiting on it.
 * - The loop is an async function that never awaits on the normal path, so it blocks the
 *   worker's event loop while it runs and messages queue up. If a task names a function id or
 *   module the worker has not received yet (the pool posted it, but the message is still queued),
 *   the loop awaits the next message: the event loop runs, delivers the queued messages, and the
 *   loop resumes. This is the same in Node and in browsers (no receiveMessageOnPort, no
 *   Atomics.waitAsync), and it costs one trip through the event loop per new module per worker.
 * - A throw inside a chunk (a trap) is caught: the first error of a task claims `ERROR` and
 *   writes its text and item range into the block, and `NEXT` is pushed past the end so nobody
 *   starts more chunks. The worker stays usable (a trap does not corrupt an instance).
 */

/** Int32 word indices of the control block's header. */
export const Ctl = {
  /** Non-zero: every worker leaves its loop (dispose). */
  STOP: 0,
  /** Workers that have not finished the current task; the caller waits for 0. */
  PENDING: 1,
  /** Next chunk index to take (Atomics.add). */
  NEXT: 2,
  NCHUNKS: 3,
  TOTAL: 4,
  GRAIN: 5,
  /** Function id (key + export name) of the current task. */
  FN: 6,
  NARGS: 7,
  /** 0, or the index of the thread (1-based worker index) whose error is recorded. */
  ERROR: 8,
  ERR_START: 9,
  ERR_END: 10,
  ERR_LEN: 11,
  /** A word that stays 0: the caller probes whether Atomics.wait may block on this thread. */
  PROBE: 12,
  /** Chunks run by workers since the pool started (tests and diagnostics: did the workers take part?). */
  WORKER_CHUNKS: 13,
  /** First per-worker slot. */
  HEADER: 16,
} as const;

/**
 * Words of each worker's slot: SEQ, bumped by the caller for each task it offers the worker; ACK,
 * the last SEQ the worker saw (a sign of life, even for a task it did not get); QUIT (tests: leave
 * silently); CLAIM, 0 while the current task is open to the worker, then 1 when the worker took it
 * or 2 when the caller withdrew it (one compareExchange each, so exactly one of them wins).
 */
export const Slot = { SEQ: 0, ACK: 1, QUIT: 2, CLAIM: 3, WORDS: 4 } as const;

/** CLAIM values. */
export const Claim = { OPEN: 0, TAKEN: 1, WITHDRAWN: 2 } as const;

/** Kernel arguments (float64, so f32/f64 parameters pass exactly as well as i32 ones). */
export const MAX_ARGS = 32;
/** Characters of a worker's error message kept (UTF-16 code units). */
export const MSG_CHARS = 512;

export interface ControlLayout {
  /** Byte offset of the Float64 argument array. */
  argsByte: number;
  /** Byte offset of the Uint16 message characters. */
  msgByte: number;
  bytes: number;
}

/** The control block's layout for `workers` worker threads. */
export function controlLayout(workers: number): ControlLayout {
  const intBytes = (Ctl.HEADER + Slot.WORDS * workers) * 4;
  const argsByte = Math.ceil(intBytes / 8) * 8;
  const msgByte = argsByte + 8 * MAX_ARGS;
  return { argsByte, msgByte, bytes: msgByte + 2 * MSG_CHARS };
}

/**
 * Items [start, end) of chunk `i` of `chunks` over [0, total) in whole grains: the same split as
 * `splitRange` (kernel-runner.ts), in closed form so that any thread can compute any chunk. The
 * worker source below has a copy of this function; the tests check both against splitRange.
 */
export function chunkBounds(i: number, chunks: number, total: number, grain: number): [number, number] {
  const grains = Math.ceil(total / grain);
  const q = Math.floor(grains / chunks);
  const r = grains % chunks;
  const start = Math.min(total, (i * q + Math.min(i, r)) * grain);
  const end = Math.min(total, ((i + 1) * q + Math.min(i + 1, r)) * grain);
  return [start, end];
}

/** The worker's source. The layout constants are written into it, so the two sides agree. */
export function workerSource(): string {
  return `'use strict';
const C = ${JSON.stringify(Ctl)};
const S = ${JSON.stringify(Slot)};
const MSG_CHARS = ${MSG_CHARS};
const isNode = typeof process === 'object' && process !== null && typeof process.versions === 'object' && typeof process.versions.node === 'string';
let port = null;
let memory = null, ctl = null, args = null, msg = null, index = 0, slot = 0, spin = 0;
const modules = new Map();
const instances = new Map();
const fns = [];
let wake = null;

function onMessage(m) {
  if (m.type === 'init') {
    memory = m.memory;
    ctl = new Int32Array(m.control);
    args = new Float64Array(m.control, m.argsByte, m.maxArgs);
    msg = new Uint16Array(m.control, m.msgByte, MSG_CHARS);
    index = m.index;
    slot = C.HEADER + (index - 1) * S.WORDS;
    spin = m.spin;
    port.postMessage({ type: 'ready', index: index });
    run().catch(function (e) { port.postMessage({ type: 'crash', index: index, message: String(e && e.stack || e) }); });
    return;
  } else if (m.type === 'module') {
    modules.set(m.key, m.module);
  } else if (m.type === 'fn') {
    fns[m.id] = { key: m.key, name: m.name, fn: null };
  }
  if (wake !== null) { const w = wake; wake = null; w(); }
}
// Node: the worker_threads module without assuming CommonJS (an eval worker is ESM when the
// process runs with --input-type=module); messages wait on the port until a listener is attached.
function listen(p) { port = p; if (isNode) p.on('message', onMessage); else self.onmessage = function (e) { onMessage(e.data); }; }
if (!isNode) listen(self);
else if (typeof process.getBuiltinModule === 'function') listen(process.getBuiltinModule('node:worker_threads').parentPort);
else if (typeof require === 'function') listen(require('node:worker_threads').parentPort);
else import('node:worker_threads').then(function (m) { listen(m.parentPort); });

// The export for function id, instantiating its module on first use; null if a message is missing.
function lookup(id) {
  const f = fns[id];
  if (f === undefined) return null;
  if (f.fn !== null) return f.fn;
  let exports = instances.get(f.key);
  if (exports === undefined) {
    const module = modules.get(f.key);
    if (module === undefined) return null;
    exports = new WebAssembly.Instance(module, { env: { memory: memory } }).exports;
    instances.set(f.key, exports);
  }
  const fn = exports[f.name];
  if (typeof fn !== 'function') throw new Error("no exported function '" + f.name + "'");
  f.fn = fn;
  return fn;
}

function chunkBounds(i, chunks, total, grain) {
  const grains = Math.ceil(total / grain);
  const q = Math.floor(grains / chunks);
  const r = grains % chunks;
  return [Math.min(total, (i * q + Math.min(i, r)) * grain), Math.min(total, ((i + 1) * q + Math.min(i + 1, r)) * grain)];
}

function report(e, start, end) {
  if (Atomics.compareExchange(ctl, C.ERROR, 0, index) !== 0) return;
  const text = (e && e.name ? e.name + ': ' : '') + String(e && e.message !== undefined ? e.message : e);
  const n = Math.min(text.length, MSG_CHARS);
  for (let i = 0; i < n; i++) msg[i] = text.charCodeAt(i);
  ctl[C.ERR_LEN] = n;
  ctl[C.ERR_START] = start;
  ctl[C.ERR_END] = end;
}

async function run() {
  let seen = 0;
  for (;;) {
    let s = Atomics.load(ctl, slot + S.SEQ);
    for (let k = 0; s === seen && k < spin; k++) s = Atomics.load(ctl, slot + S.SEQ);
    while (s === seen) {
      Atomics.wait(ctl, slot + S.SEQ, seen);
      s = Atomics.load(ctl, slot + S.SEQ);
    }
    if (Atomics.load(ctl, C.STOP) !== 0 || Atomics.load(ctl, slot + S.QUIT) !== 0) break;
    seen = s;
    Atomics.store(ctl, slot + S.ACK, s);
    if (Atomics.compareExchange(ctl, slot + S.CLAIM, 0, 1) !== 0) continue;
    let start = -1, end = -1;
    try {
      const id = ctl[C.FN];
      let fn = lookup(id);
      while (fn === null) {
        await new Promise(function (resolve) { wake = resolve; });
        fn = lookup(id);
      }
      const chunks = ctl[C.NCHUNKS], total = ctl[C.TOTAL], grain = ctl[C.GRAIN];
      const call = Array.prototype.slice.call(args, 0, ctl[C.NARGS]);
      const n = call.length;
      call.push(0, 0);
      for (;;) {
        const i = Atomics.add(ctl, C.NEXT, 1);
        if (i >= chunks) break;
        const b = chunkBounds(i, chunks, total, grain);
        start = b[0]; end = b[1];
        call[n] = start; call[n + 1] = end;
        fn.apply(null, call);
        Atomics.add(ctl, C.WORKER_CHUNKS, 1);
      }
    } catch (e) {
      report(e, start, end);
      Atomics.store(ctl, C.NEXT, 0x3fffffff);
    }
    if (Atomics.sub(ctl, C.PENDING, 1) === 1) Atomics.notify(ctl, C.PENDING);
  }
  if (isNode) port.close(); else self.close();
}
`;
}
