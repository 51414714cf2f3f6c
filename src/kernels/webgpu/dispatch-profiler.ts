/**
 * GPU time per dispatch, to find where a model's time goes (`WebGpuBackend.profile`,
 * `stieltjes bench --profile`).
 *
 * While profiling, the executor runs the work as usual and also records every dispatch: its
 * pipeline, its parameter block, the sizes of its bindings and its grid. Afterwards each distinct
 * dispatch is run again on its own, on scratch buffers of the same sizes, launched back to back
 * enough times to take about 10 ms, and timed from submission to completion. The real buffers
 * cannot be used: by then they may hold other tensors, which a replayed kernel would overwrite.
 * Scratch contents do not change the time, as no kernel here addresses memory by data values.
 *
 * Why not in place: the host hears that work finished only when it next waits, so the
 * completion of many dispatches enqueued by one synchronous forward pass arrives all at once;
 * GPU timestamps would do it, but adapters without a GPU (llvmpipe) do not offer them, and
 * browsers round them. Replay times each kernel alone and warm: the sum is the GPU time the
 * kernels need, and the gap to the run's wall time is everything else (submission, waits,
 * idle clocks).
 */
import type { DispatchProfile, DispatchTime, RecordedDispatch } from './dispatch-records.js';
import type { GpuExecutor } from './executor.js';
import { roundUp } from './gpu-storage.js';
import { BufferUsage } from './webgpu-constants.js';

export type { DispatchProfile, DispatchTime, RecordedDispatch };

/** Time summed per label (a layer's shapes), longest first: the usual way to read a profile. */
export function totalsByLabel(p: DispatchProfile): { label: string; count: number; ms: number }[] {
  const m = new Map<string, { label: string; count: number; ms: number }>();
  for (const d of p.dispatches) {
    const e = m.get(d.label) ?? { label: d.label, count: 0, ms: 0 };
    e.count++;
    e.ms += d.ms;
    m.set(d.label, e);
  }
  return [...m.values()].sort((a, b) => b.ms - a.ms);
}

/**
 * Runs `fn` (awaited) while recording its dispatches, waits for its work, then times each
 * dispatch alone. A failing `fn` ends the recording and its error is passed on.
 */
export async function profileWork(
  ex: GpuExecutor, fn: () => unknown, onProgress?: (done: number, total: number) => void,
): Promise<DispatchProfile> {
  if (ex.recording) throw new Error('webgpu.profile: a profile is already being recorded');
  const records: RecordedDispatch[] = [];
  ex.recording = records;
  try {
    await fn();
  } finally {
    ex.recording = null;
  }
  await ex.sync('webgpu.profile');
  ex.device.pushErrorScope('validation');
  const profile = await timeRecorded(ex.device, records, onProgress);
  const e = await ex.device.popErrorScope();
  if (e) throw new Error(`webgpu.profile: replaying the recorded kernels failed: ${e.message}`);
  return profile;
}

/** Launches per timed run: about TARGET_MS of work, at most MAX_LAUNCHES. */
const TARGET_MS = 10;
const MAX_LAUNCHES = 200;

/**
 * Times each recorded dispatch alone (see the file comment). Identical dispatches (same
 * pipeline, parameters, binding sizes and grid, as in VGG's repeated layers) are timed once.
 * `onProgress(done, total)` follows the distinct dispatches.
 */
export async function timeRecorded(
  device: GPUDevice, records: readonly RecordedDispatch[], onProgress?: (done: number, total: number) => void,
): Promise<DispatchProfile> {
  const keys = records.map(replayKey);
  const distinct = new Map<string, RecordedDispatch>();
  records.forEach((r, i) => distinct.has(keys[i]!) || distinct.set(keys[i]!, r));
  const ms = new Map<string, number>();
  let done = 0;
  for (const [key, r] of distinct) {
    ms.set(key, await timeAlone(device, r));
    onProgress?.(++done, distinct.size);
  }
  const dispatches = records.map((r, i) => ({ kernel: r.kernel, label: r.label, ms: ms.get(keys[i]!)! }));
  return { dispatches, totalMs: dispatches.reduce((s, d) => s + d.ms, 0) };
}

const pipelineIds = new WeakMap<GPUComputePipeline, number>();
let nextPipelineId = 0;

/** What makes two runs' dispatches the same work: pipelines, parameters, binding sizes and grids, in order. */
export function dispatchSignature(records: readonly RecordedDispatch[]): string {
  return records.map(replayKey).join(';');
}

function replayKey(r: RecordedDispatch): string {
  let id = pipelineIds.get(r.pipeline);
  if (id === undefined) pipelineIds.set(r.pipeline, (id = nextPipelineId++));
  return `${id}|${Array.from(r.params).join(',')}|${r.bindingBytes.join(',')}|${r.workgroups.join('x')}`;
}

/** Best of three timed runs of `launches` back-to-back dispatches, per dispatch, in ms. */
async function timeAlone(device: GPUDevice, r: RecordedDispatch): Promise<number> {
  const uniform = device.createBuffer({ size: roundUp(Math.max(r.paramBytes, 16), 16), usage: BufferUsage.UNIFORM, mappedAtCreation: true });
  new Uint32Array(uniform.getMappedRange()).set(r.params.subarray(0, uniform.size / 4));
  uniform.unmap();
  const scratch = r.bindingBytes.map((bytes) => device.createBuffer({ size: roundUp(Math.max(bytes, 4), 4), usage: BufferUsage.STORAGE }));
  try {
    const bindGroup = device.createBindGroup({
      label: `${r.label} (profile replay)`,
      layout: r.layout,
      entries: [
        { binding: 0, resource: { buffer: uniform, offset: 0, size: uniform.size } },
        ...scratch.map((buffer, i) => ({ binding: i + 1, resource: { buffer, offset: 0, size: r.bindingBytes[i]! } })),
      ],
    });
    const run = async (launches: number): Promise<number> => {
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setPipeline(r.pipeline);
      pass.setBindGroup(0, bindGroup, [0]);
      for (let i = 0; i < launches; i++) pass.dispatchWorkgroups(...r.workgroups);
      pass.end();
      const t = performance.now();
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
      return (performance.now() - t) / launches;
    };
    await run(1); // first use of the buffers and bind group
    return await bestBackToBack(run, TARGET_MS, MAX_LAUNCHES);
  } finally {
    uniform.destroy();
    for (const b of scratch) b.destroy();
  }
}

/**
 * Best time per launch of `run(launches)` (which launches back to back and returns ms per
 * launch): one probe, then three runs of about `targetMs` of launches (at most `maxLaunches`);
 * a launch of 5 × targetMs or more is timed by the probe alone. Shared by the profiler and the
 * autotuner (gemm-autotune.ts).
 */
export async function bestBackToBack(run: (launches: number) => Promise<number>, targetMs: number, maxLaunches: number): Promise<number> {
  const probe = await run(1);
  if (probe >= targetMs * 5) return probe;
  const launches = Math.min(maxLaunches, Math.max(1, Math.ceil(targetMs / Math.max(probe, 0.01))));
  let best = probe;
  for (let i = 0; i < 3; i++) best = Math.min(best, await run(launches));
  return best;
}
