/**
 * What the executor records about dispatches and what timing them yields: plain types shared by
 * the executor, the replaying profiler (dispatch-profiler.ts) and the GPU timer (gpu-timer.ts),
 * in a module of their own so that none of those imports another for them.
 */

export interface DispatchTime {
  /** Backend method (e.g. webgpu.conv2d) and the dispatch's label with its shapes. */
  kernel: string;
  label: string;
  ms: number;
}

export interface DispatchProfile {
  /** Every dispatch in the order it was made, with its time run alone. */
  dispatches: DispatchTime[];
  /** Sum of the dispatches' times. */
  totalMs: number;
}

/** What replaying one dispatch needs. */
export interface RecordedDispatch {
  kernel: string;
  label: string;
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  /** The parameter block as written for the real dispatch, and the size bound. */
  params: Uint32Array;
  paramBytes: number;
  /** Bytes of each storage binding, in binding order (from 1). */
  bindingBytes: number[];
  workgroups: readonly [number, number, number];
}
