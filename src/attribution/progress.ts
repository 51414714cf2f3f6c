/** Progress reporting and cancellation shared by every long-running attribution function. */

export interface Progress {
  /** What is running, e.g. 'integrated-gradients', 'rsi-grad-cam', 'baseline'. */
  phase: string;
  done: number;
  total: number;
  /** Extra numbers worth showing (e.g. the current loss). */
  detail?: Record<string, number>;
}

export interface LongRunOptions {
  onProgress?: (p: Progress) => void;
  /** Aborting rejects the running call with an AbortError between batches or iterations. */
  signal?: AbortSignal;
}

export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) {
    const reason = signal.reason instanceof Error ? `: ${signal.reason.message}` : '';
    const e = new Error(`${what} was cancelled${reason}`);
    e.name = 'AbortError';
    throw e;
  }
}

/** Lets the event loop run (progress output, abort signals) between chunks of synchronous work. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
