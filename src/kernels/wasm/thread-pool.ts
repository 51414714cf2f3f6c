/**
 * A `KernelRunner` that splits `parallelFor` over `threads - 1` workers plus the calling thread,
 * all running kernels instantiated over one shared `WebAssembly.Memory`: worker_threads in Node,
 * Web Workers in browsers. The worker's code and the protocol are in thread-worker-source.ts.
 *
 * Design, and why:
 * - The Backend API is synchronous, so `parallelFor` blocks until every chunk is done. Tasks go
 *   through a small control block (a SharedArrayBuffer of Int32 words, separate from the kernels'
 *   memory so that growing that memory never moves it): the caller writes the function id, the
 *   arguments (as float64) and the range, sets `PENDING` to the number of workers it wakes, bumps
 *   each one's sequence word and notifies it. Chunks are taken dynamically (Atomics.add on
 *   `NEXT`), several per thread, so a thread the OS preempts (a shared machine) delays the call
 *   by one chunk, not by its whole share. The caller takes chunks too; when none is left it
 *   withdraws the offer from every worker that has not claimed it yet (a compareExchange on the
 *   worker's CLAIM word, which the worker also races for), so a worker the OS has not woken yet
 *   never delays a call, and waits for `PENDING` (the workers that claimed) to reach 0: a short
 *   spin, then Atomics.wait in slices where this thread may block (Node's main thread, workers);
 *   a browser's main thread may not (Atomics.wait throws there), so it keeps spinning.
 * - Small work stays on the caller: a call whose total is under two grains is one chunk, run
 *   directly with no worker woken; `grain` is therefore the caller's threshold (items worth one
 *   chunk), since only the kernel knows what an item costs.
 * - Modules reach workers as messages (`load` posts the compiled `WebAssembly.Module` to every
 *   worker; a module is structured-cloneable within an agent cluster). A worker that is handed a
 *   task whose module or export id it has not received yet returns to its event loop until the
 *   queued message arrives (see thread-worker-source.ts): correct in Node and in browsers alike.
 * - Errors: a throw inside a worker's chunk (a trap) is recorded in the control block and thrown
 *   by `parallelFor` as an Error naming the kernel key, the export and the item range; a throw in
 *   the caller's own chunk likewise, after the workers have finished. A dead worker cannot hang
 *   a call (its offers are withdrawn, the others do its share); one that has not even seen a task
 *   offered to it for `pickupTimeoutMs` is reported: the call throws and the runner is unusable,
 *   as after a worker exited or crashed between calls, or a call that claimed workers did not
 *   finish within `callTimeoutMs` (a stale chunk might still run later).
 * - Browsers need `crossOriginIsolated` for SharedArrayBuffer (the page served with
 *   `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`);
 *   where threads are not available `createThreadedRunner` returns the serial runner, and
 *   `threadSupport()` says why.
 * - Workers are unref'd in Node (they never keep a process alive); `dispose()` stops and
 *   terminates them.
 */
import { kernelExport, SerialKernelRunner, type KernelHandle, type KernelRunner } from './kernel-runner.js';
import { chunkBounds, Claim, controlLayout, Ctl, MAX_ARGS, MSG_CHARS, Slot, workerSource } from './thread-worker-source.js';

export interface ThreadSupport {
  /** Whether worker threads over a shared memory can run here. */
  available: boolean;
  /** Why not, when they cannot. */
  reason?: string;
  /** Logical cores: navigator.hardwareConcurrency, or os.availableParallelism() in Node. */
  cores: number;
}

interface NodeProcess {
  versions?: { node?: string };
  getBuiltinModule?: (id: string) => unknown;
}

function nodeProcess(): NodeProcess | undefined {
  const p = (globalThis as { process?: NodeProcess }).process;
  return typeof p?.versions?.node === 'string' ? p : undefined;
}

/** A Node built-in, synchronously where Node has getBuiltinModule (20.16+), else null. */
function builtinSync<T>(id: string): T | null {
  const get = nodeProcess()?.getBuiltinModule;
  return typeof get === 'function' ? (get(id) as T) : null;
}

function coreCount(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (typeof nav?.hardwareConcurrency === 'number' && nav.hardwareConcurrency > 0) return nav.hardwareConcurrency;
  const os = builtinSync<{ availableParallelism?: () => number; cpus: () => unknown[] }>('node:os');
  if (os !== null) return os.availableParallelism?.() ?? Math.max(1, os.cpus().length);
  return 1;
}

/** Whether threads can run here, and how many cores there are. */
export function threadSupport(): ThreadSupport {
  const cores = coreCount();
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') {
    const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
    const reason = isolated === false
      ? 'the page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp), so SharedArrayBuffer is unavailable'
      : 'SharedArrayBuffer is unavailable';
    return { available: false, reason, cores };
  }
  if (nodeProcess() === undefined && typeof (globalThis as { Worker?: unknown }).Worker !== 'function') {
    return { available: false, reason: 'no Worker constructor here', cores };
  }
  return { available: true, cores };
}

export interface ThreadedRunnerOptions {
  /** Threads that run chunks, the calling one included (1: the serial runner, no workers). */
  threads: number;
  /** The memory every kernel imports; must be shared when threads > 1. */
  memory: WebAssembly.Memory;
  /** Chunks per thread a call is split into, at most (default 4; 1 = one static share each). */
  chunksPerThread?: number;
  /** Atomics.load polls before a waiting thread sleeps (default 2000; 0 = sleep at once). */
  spin?: number;
  /** A worker that has not seen the tasks offered to it for this long is dead (default 60 s). */
  pickupTimeoutMs?: number;
  /** A call that has not finished after this long throws (default 10 min). */
  callTimeoutMs?: number;
}

const KNOWN_OPTIONS = new Set(['threads', 'memory', 'chunksPerThread', 'spin', 'pickupTimeoutMs', 'callTimeoutMs']);

/**
 * A runner over `memory` with `threads` threads: the pool when threads > 1 and threads are
 * available here, else the serial runner (see `threadSupport()` for why).
 */
export async function createThreadedRunner(options: ThreadedRunnerOptions): Promise<KernelRunner> {
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new TypeError(`createThreadedRunner: unknown option '${key}'`);
  }
  const { threads, memory } = options;
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`createThreadedRunner: threads must be a positive integer, not ${threads}`);
  if (threads === 1 || !threadSupport().available) return new SerialKernelRunner(memory);
  if (!(memory.buffer instanceof SharedArrayBuffer)) {
    throw new TypeError(`createThreadedRunner: ${threads} threads need a shared memory (new WebAssembly.Memory({ initial, maximum, shared: true }))`);
  }
  const runner = new ThreadedKernelRunner(options);
  try {
    await runner.start();
  } catch (e) {
    runner.dispose();
    throw e;
  }
  return runner;
}

/** What the pool needs of a worker, in Node or a browser. */
interface WorkerPort {
  post(message: unknown): void;
  terminate(): void;
  /** Node: lets the process exit while the worker lives. */
  unref?: () => void;
}

interface NodeWorker {
  postMessage(m: unknown): void;
  on(event: 'message' | 'error' | 'exit', f: (x: unknown) => void): void;
  unref(): void;
  terminate(): Promise<number>;
}

type NodeWorkerThreads = { Worker: new (source: string, options: { eval: true; execArgv: string[] }) => NodeWorker };

async function loadWorkerThreads(): Promise<NodeWorkerThreads> {
  const sync = builtinSync<NodeWorkerThreads>('node:worker_threads');
  if (sync !== null) return sync;
  // A computed specifier keeps bundlers from following the import (browser bundles never see it).
  const specifier = 'node:worker_threads';
  return (await import(/* @vite-ignore */ specifier)) as NodeWorkerThreads;
}

type WorkerEvent = { type: 'ready' } | { type: 'crash'; message: string } | { type: 'dead'; message: string };

async function spawnWorker(source: string, listen: (e: WorkerEvent) => void): Promise<WorkerPort> {
  if (nodeProcess() !== undefined) {
    const { Worker } = await loadWorkerThreads();
    // execArgv: [] so that the parent's Node options (--import tsx, --input-type) do not load
    // into each worker; V8 flags (--experimental-wasm-*) are process-wide and still apply.
    const w = new Worker(source, { eval: true, execArgv: [] });
    w.on('message', (m) => listen(m as WorkerEvent));
    w.on('error', (e) => listen({ type: 'dead', message: `threw ${String((e as Error)?.stack ?? e)}` }));
    w.on('exit', (code) => listen({ type: 'dead', message: `exited (code ${String(code)})` }));
    // Referenced until ready (an awaited start must keep the process alive), then unref'd by
    // the pool; unref must come after the 'message' listener, which references the worker again.
    return { post: (m) => w.postMessage(m), terminate: () => void w.terminate(), unref: () => w.unref() };
  }
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  const w = new Worker(url);
  w.onmessage = (e: MessageEvent) => listen(e.data as WorkerEvent);
  w.onerror = (e: ErrorEvent) => listen({ type: 'dead', message: `threw ${e.message}` });
  return {
    post: (m) => w.postMessage(m),
    terminate: () => {
      w.terminate();
      URL.revokeObjectURL(url);
    },
  };
}

/** Whether Atomics.wait may block this thread (it throws on a browser's main thread). */
function canBlock(control: Int32Array): boolean {
  try {
    Atomics.wait(control, Ctl.PROBE, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** How long the caller sleeps per Atomics.wait before it checks the timeouts again. */
const WAIT_SLICE_MS = 100;

export class ThreadedKernelRunner implements KernelRunner {
  readonly threads: number;
  readonly memory: WebAssembly.Memory;
  private readonly chunksPerThread: number;
  private readonly spin: number;
  private readonly pickupTimeoutMs: number;
  private readonly callTimeoutMs: number;
  private readonly control: SharedArrayBuffer;
  private readonly ctl: Int32Array;
  private readonly args: Float64Array;
  private readonly msg: Uint16Array;
  private readonly blocking: boolean;
  private readonly workers: WorkerPort[] = [];
  private readonly seq: number[];
  /** Per worker: the ACK word as last read, and since when it has lagged SEQ without moving (NaN: it has not). */
  private readonly lastAck: number[];
  private readonly behindSince: number[];
  private readonly handles = new Map<string, KernelHandle>();
  private readonly fnIds = new Map<string, number>();
  /** Why the runner can no longer be used (a worker died, a call timed out, disposed). */
  private broken: string | null = null;

  constructor(options: ThreadedRunnerOptions) {
    this.threads = options.threads;
    this.memory = options.memory;
    this.chunksPerThread = Math.max(1, Math.floor(options.chunksPerThread ?? 4));
    this.spin = Math.max(0, Math.floor(options.spin ?? 2000));
    this.pickupTimeoutMs = options.pickupTimeoutMs ?? 60_000;
    this.callTimeoutMs = options.callTimeoutMs ?? 600_000;
    const layout = controlLayout(this.threads - 1);
    this.control = new SharedArrayBuffer(layout.bytes);
    this.ctl = new Int32Array(this.control);
    this.args = new Float64Array(this.control, layout.argsByte, MAX_ARGS);
    this.msg = new Uint16Array(this.control, layout.msgByte, MSG_CHARS);
    this.blocking = canBlock(this.ctl);
    this.seq = new Array<number>(this.threads - 1).fill(0);
    this.lastAck = new Array<number>(this.threads - 1).fill(0);
    this.behindSince = new Array<number>(this.threads - 1).fill(NaN);
  }

  /** Starts the workers and resolves when every one has answered `ready`. */
  async start(): Promise<void> {
    const source = workerSource();
    const layout = controlLayout(this.threads - 1);
    const ready: Promise<void>[] = [];
    for (let index = 1; index < this.threads; index++) {
      let settle!: (error?: Error) => void;
      ready.push(new Promise<void>((resolve, reject) => (settle = (e) => (e === undefined ? resolve() : reject(e)))));
      const port = await spawnWorker(source, (event) => {
        if (event.type === 'ready') settle();
        else {
          const reason = `worker ${index} ${event.type === 'crash' ? `crashed: ${event.message}` : event.message}`;
          if (this.broken === null) this.broken = reason;
          settle(new Error(`wasm thread pool: ${reason}`));
        }
      });
      this.workers.push(port);
      port.post({ type: 'init', memory: this.memory, control: this.control, argsByte: layout.argsByte, msgByte: layout.msgByte, maxArgs: MAX_ARGS, index, spin: this.spin });
    }
    await Promise.all(ready);
    for (const w of this.workers) w.unref?.();
  }

  load(key: string, module: WebAssembly.Module): KernelHandle {
    this.check();
    let handle = this.handles.get(key);
    if (handle === undefined) {
      const instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
      handle = { key, exports: instance.exports };
      this.handles.set(key, handle);
      for (const w of this.workers) w.post({ type: 'module', key, module });
    }
    return handle;
  }

  parallelFor(kernel: KernelHandle, name: string, args: readonly number[], total: number, grain = 1): void {
    this.check();
    if (total <= 0) return;
    const fn = kernelExport(kernel, name);
    const g = Math.max(1, Math.floor(grain));
    const grains = Math.ceil(total / g);
    const chunks = Math.min(grains, this.threads * this.chunksPerThread);
    const helpers = Math.min(this.workers.length, chunks - 1);
    if (helpers <= 0) {
      fn(...args, 0, total);
      return;
    }
    if (args.length > MAX_ARGS) throw new RangeError(`wasm kernel ${kernel.key}: '${name}' has ${args.length} arguments; the pool passes at most ${MAX_ARGS}`);
    if (this.handles.get(kernel.key) !== kernel) throw new Error(`wasm kernel ${kernel.key}: not loaded by this runner`);

    const c = this.ctl;
    c[Ctl.FN] = this.fnId(kernel.key, name);
    c[Ctl.NARGS] = args.length;
    for (let i = 0; i < args.length; i++) this.args[i] = args[i]!;
    c[Ctl.TOTAL] = total;
    c[Ctl.GRAIN] = g;
    c[Ctl.NCHUNKS] = chunks;
    c[Ctl.ERROR] = 0;
    Atomics.store(c, Ctl.NEXT, 0);
    Atomics.store(c, Ctl.PENDING, helpers);
    const dispatched = performance.now();
    for (let w = 0; w < helpers; w++) {
      const base = Ctl.HEADER + w * Slot.WORDS;
      // Open before the bump: a worker reads the task only after claiming it.
      Atomics.store(c, base + Slot.CLAIM, Claim.OPEN);
      // Wraps within int32; a worker compares for inequality only.
      this.seq[w] = (this.seq[w]! + 1) | 0 || 1;
      Atomics.store(c, base + Slot.SEQ, this.seq[w]!);
      Atomics.notify(c, base + Slot.SEQ, 1);
    }

    let own: { error: unknown; start: number; end: number } | null = null;
    const call = [...args, 0, 0];
    const n = args.length;
    for (;;) {
      const i = Atomics.add(c, Ctl.NEXT, 1);
      if (i >= chunks) break;
      const [start, end] = chunkBounds(i, chunks, total, g);
      call[n] = start;
      call[n + 1] = end;
      try {
        fn(...call);
      } catch (error) {
        own = { error, start, end };
        Atomics.store(c, Ctl.NEXT, 0x3fffffff); // the others start no more chunks
        break;
      }
    }
    // Workers that have not claimed the task by now are not waited for.
    for (let w = 0; w < helpers; w++) {
      if (Atomics.compareExchange(c, Ctl.HEADER + w * Slot.WORDS + Slot.CLAIM, Claim.OPEN, Claim.WITHDRAWN) === Claim.OPEN) {
        Atomics.sub(c, Ctl.PENDING, 1);
      }
    }
    this.waitForHelpers(dispatched, kernel.key, name);
    this.checkLiveness(kernel.key, name);
    if (own !== null) {
      const e = own.error as Error;
      throw new Error(`wasm kernel ${kernel.key}: '${name}' failed over items [${own.start}, ${own.end}) on the calling thread: ${e?.name ?? 'Error'}: ${e?.message ?? String(e)}`, { cause: own.error });
    }
    const failed = Atomics.load(c, Ctl.ERROR);
    if (failed !== 0) {
      const text = String.fromCharCode(...this.msg.subarray(0, c[Ctl.ERR_LEN]));
      const range = c[Ctl.ERR_START]! >= 0 ? `over items [${c[Ctl.ERR_START]}, ${c[Ctl.ERR_END]}) ` : '';
      throw new Error(`wasm kernel ${kernel.key}: '${name}' failed ${range}on worker ${failed}: ${text}`);
    }
  }

  /** Blocks until PENDING is 0, or throws (and breaks the runner) past a timeout. */
  private waitForHelpers(dispatched: number, key: string, name: string): void {
    const c = this.ctl;
    for (let k = 0; k < this.spin; k++) if (Atomics.load(c, Ctl.PENDING) === 0) return;
    let polls = 0;
    for (;;) {
      const pending = Atomics.load(c, Ctl.PENDING);
      if (pending === 0) return;
      if (this.blocking) Atomics.wait(c, Ctl.PENDING, pending, WAIT_SLICE_MS);
      else if (++polls % 4096 !== 0) continue; // a browser's main thread: spin, check the clock now and then
      const elapsed = performance.now() - dispatched;
      if (elapsed > this.callTimeoutMs && Atomics.load(c, Ctl.PENDING) !== 0) {
        this.broken = `a call did not finish within ${this.callTimeoutMs} ms`;
        throw new Error(`wasm kernel ${key}: '${name}': ${this.broken}; the thread pool is unusable`);
      }
    }
  }

  /**
   * Throws (and breaks the runner) if a worker has not seen the tasks offered to it for
   * pickupTimeoutMs: it is dead, or hung outside a task. A live worker sees each offer within
   * its wake-up latency, whether or not it gets the task.
   */
  private checkLiveness(key: string, name: string): void {
    const now = performance.now();
    const silent: number[] = [];
    for (let w = 0; w < this.workers.length; w++) {
      const ack = Atomics.load(this.ctl, Ctl.HEADER + w * Slot.WORDS + Slot.ACK);
      if (ack === this.seq[w]) this.behindSince[w] = NaN; // has seen every offer
      else if (ack !== this.lastAck[w] || Number.isNaN(this.behindSince[w])) this.behindSince[w] = now; // moving, or just fell behind
      else if (now - this.behindSince[w]! > this.pickupTimeoutMs) silent.push(w + 1);
      this.lastAck[w] = ack;
    }
    if (silent.length > 0) {
      this.broken = `worker ${silent.join(', ')} has not seen the tasks offered to it for ${this.pickupTimeoutMs} ms (dead?)`;
      throw new Error(`wasm kernel ${key}: '${name}': ${this.broken}; the thread pool is unusable`);
    }
  }

  /** The id workers know (key, export) by; the first use posts it to every worker. */
  private fnId(key: string, name: string): number {
    const k = `${key}\n${name}`;
    let id = this.fnIds.get(k);
    if (id === undefined) {
      id = this.fnIds.size;
      this.fnIds.set(k, id);
      for (const w of this.workers) w.post({ type: 'fn', id, key, name });
    }
    return id;
  }

  private check(): void {
    if (this.broken !== null) throw new Error(`wasm thread pool: ${this.broken}`);
  }

  /** Chunks the workers (not the calling thread) have run since the pool started. */
  get workerChunks(): number {
    return Atomics.load(this.ctl, Ctl.WORKER_CHUNKS);
  }

  /**
   * Tests only: makes worker `index` (1-based) leave its loop at its next wake-up without
   * acknowledging it, as a worker that died silently would (its exit is not observed until the
   * caller's thread returns to its event loop).
   */
  stopWorkerForTest(index: number): void {
    const word = Ctl.HEADER + (index - 1) * Slot.WORDS + Slot.QUIT;
    Atomics.store(this.ctl, word, 1);
  }

  dispose(): void {
    if (this.broken === 'disposed') return;
    this.broken = 'disposed';
    Atomics.store(this.ctl, Ctl.STOP, 1);
    for (let w = 0; w < this.workers.length; w++) {
      const word = Ctl.HEADER + w * Slot.WORDS + Slot.SEQ;
      Atomics.add(this.ctl, word, 1);
      Atomics.notify(this.ctl, word);
    }
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
    this.handles.clear();
  }
}
