/**
 * Turning WebGPU's asynchronous errors into synchronous ones that name a kernel.
 *
 * WebGPU reports validation, out-of-memory and shader errors later, through error scopes and the
 * `uncapturederror` event, and device loss through a promise. Kernels must not wait, so the
 * backend tracks every error-scope promise it opens, keeps the first failure, and raises it from
 * the next kernel call or read (reads first wait for the pending checks). An error that names its
 * kernel (a shader that failed to compile) wins over vaguer ones it causes later. After device
 * loss every call throws at once, and waits in progress (reads) reject instead of hanging.
 */

export class DeviceErrors {
  private pending = new Set<Promise<void>>();
  private deferred: Error | null = null;
  /** Whether `deferred` names the failing kernel itself. */
  private deferredIsSpecific = false;
  private lostMessage: string | null = null;
  /** Rejecters of waits in progress, called when the device is lost. */
  private readonly waiters = new Set<(e: Error) => void>();
  /** The last few kernels dispatched, to name suspects in errors that come without context. */
  private readonly recentLabels: string[] = [];

  constructor(device: GPUDevice) {
    void device.lost.then((info) => {
      this.lostMessage = `${info.reason ?? 'unknown'}${info.message ? `: ${info.message}` : ''}`;
      for (const reject of this.waiters) reject(new Error(`the WebGPU device was lost while waiting (${this.lostMessage})`));
      this.waiters.clear();
    });
    device.addEventListener('uncapturederror', (ev) => {
      const e = (ev as GPUUncapturedErrorEvent).error;
      this.record(new Error(`webgpu: uncaptured error (recent kernels: ${this.recentLabels.join('; ') || 'none'}): ${e.message}`));
    });
  }

  noteDispatch(label: string): void {
    this.recentLabels.push(label);
    if (this.recentLabels.length > 4) this.recentLabels.shift();
  }

  /** Watches an error-scope result (or any check) until it settles. */
  track(p: Promise<void>): void {
    const q = p.catch((e: unknown) => this.record(e instanceof Error ? e : new Error(String(e))));
    this.pending.add(q);
    void q.finally(() => this.pending.delete(q));
  }

  /** Keeps the first error, unless a later one names its kernel and the kept one does not. */
  record(e: Error, specific = false): void {
    if (this.deferred && (this.deferredIsSpecific || !specific)) return;
    this.deferred = e;
    this.deferredIsSpecific = specific;
  }

  /** Waits for every tracked check. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Throws when the device is lost or an earlier asynchronous error is pending. */
  checkUsable(label: string): void {
    if (this.lostMessage !== null) {
      throw new Error(`${label}: the WebGPU device was lost (${this.lostMessage}); create a new backend`);
    }
    this.throwDeferred(label);
  }

  throwDeferred(label: string): void {
    const e = this.deferred;
    if (!e) return;
    this.deferred = null;
    this.deferredIsSpecific = false;
    const err = new Error(`${label}: an earlier WebGPU operation failed: ${e.message}`);
    (err as Error & { cause?: unknown }).cause = e;
    throw err;
  }

  /** `p`, or a rejection naming `label` if the device is lost first. */
  whileDeviceLives<T>(label: string, p: Promise<T>): Promise<T> {
    if (this.lostMessage !== null) return Promise.reject(new Error(`${label}: the WebGPU device was lost (${this.lostMessage})`));
    return new Promise<T>((resolve, reject) => {
      const onLost = (e: Error): void => reject(new Error(`${label}: ${e.message}`));
      this.waiters.add(onLost);
      p.then(resolve, reject).finally(() => this.waiters.delete(onLost));
    });
  }
}
