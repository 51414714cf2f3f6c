/**
 * Where a model's time goes on the WebGPU backend (`stieltjes bench --profile`): a forward pass
 * and a forward + input-gradient pass, each timed as a whole (wall clock, warm) and then kernel
 * by kernel (WebGpuBackend.profile: every dispatch run again alone). The gap between the two is
 * time the GPU spends not running kernels: submission, waiting for the read-back, low clocks.
 * Where the device has GPU timestamps (real GPUs), the pass is also run once with every kernel
 * timed where it runs (WebGpuBackend.timeKernels): kernels in the model's own sequence, with its
 * caches and clocks, which the replay alone cannot show.
 */
import type { Backend } from '../kernels/backend.js';
import { totalsByLabel, type DispatchProfile } from '../kernels/webgpu/dispatch-profiler.js';
import type { WebGpuBackend } from '../kernels/webgpu/webgpu-backend.js';
import type { SequentialModel } from '../models/sequential.js';
import { benchInput, forwardPass, inputGradientPass, type EndToEndResult } from './end-to-end.js';

/** A backend that can profile (the WebGPU backend), and perhaps time kernels by GPU timestamps. */
export type ProfilingBackend = Backend & Pick<WebGpuBackend, 'profile'> & Partial<Pick<WebGpuBackend, 'canTimeKernels' | 'timeKernels'>>;

export function canProfile(b: Backend): b is ProfilingBackend {
  return typeof (b as Partial<ProfilingBackend>).profile === 'function';
}

export interface PassProfile {
  pass: 'forward' | 'forward+input gradient';
  /** One warm run of the pass, as a user would see it. */
  wallMs: number;
  profile: DispatchProfile;
  /** The same pass with every kernel timed in place by GPU timestamps (where the device has them). */
  inPlace?: DispatchProfile;
}

export async function profileModel(
  backend: ProfilingBackend, model: SequentialModel, onProgress?: (pass: string, done: number, total: number) => void,
): Promise<PassProfile[]> {
  const x = benchInput(model, backend);
  try {
    const out: PassProfile[] = [];
    const passes = [
      ['forward', () => forwardPass(model, x)],
      ['forward+input gradient', () => inputGradientPass(model, x)],
    ] as const;
    for (const [pass, run] of passes) {
      await run(); // pipelines
      const t = performance.now();
      await run();
      const wallMs = performance.now() - t;
      const profile = await backend.profile(run, (d, n) => onProgress?.(pass, d, n));
      const inPlace = backend.canTimeKernels?.() && backend.timeKernels ? await backend.timeKernels(run) : undefined;
      out.push({ pass, wallMs, profile, ...(inPlace ? { inPlace } : {}) });
    }
    return out;
  } finally {
    x.dispose();
  }
}

/** The profile as text lines: the totals, then time per label, longest first (at most `top`). */
export function formatProfile(p: PassProfile, top = 20): string[] {
  const total = p.profile.totalMs;
  const lines = [
    `${p.pass}: ${p.wallMs.toFixed(1)} ms wall (one warm run); kernels ${total.toFixed(1)} ms when each runs alone ` +
      `(${p.profile.dispatches.length} dispatches); the rest, ${Math.max(0, p.wallMs - total).toFixed(1)} ms, is not kernel time`,
    ...(p.inPlace
      ? [`  in place, by GPU timestamps: kernels ${p.inPlace.totalMs.toFixed(1)} ms (${p.inPlace.dispatches.length} dispatches, each in a pass of its own)`]
      : []),
    `  ${'ms'.padStart(9)} ${'share'.padStart(6)} ${'n'.padStart(3)}  kernel`,
  ];
  const rows = totalsByLabel(p.profile);
  for (const r of rows.slice(0, top)) {
    lines.push(`  ${r.ms.toFixed(3).padStart(9)} ${`${((100 * r.ms) / (total || 1)).toFixed(1)}%`.padStart(6)} ${String(r.count).padStart(3)}  ${r.label}`);
  }
  if (rows.length > top) {
    const rest = rows.slice(top).reduce((s, r) => s + r.ms, 0);
    lines.push(`  ${rest.toFixed(3).padStart(9)} ${`${((100 * rest) / (total || 1)).toFixed(1)}%`.padStart(6)}      ${rows.length - top} more kernels`);
  }
  return lines;
}

/**
 * The profile as benchmark rows (`--json`): the wall time, the kernels' sum, then each label's
 * time, `runs` being its dispatches.
 */
export function profileRows(p: PassProfile, backend: string): EndToEndResult[] {
  const row = (shape: string, ms: number, runs: number): EndToEndResult => ({ op: `profile: ${p.pass}`, shape, backend, ms, gflops: NaN, runs });
  return [
    row('wall, one warm run', p.wallMs, 1),
    row('kernels run alone, sum', p.profile.totalMs, p.profile.dispatches.length),
    ...(p.inPlace ? [row('kernels in place by GPU timestamps, sum', p.inPlace.totalMs, p.inPlace.dispatches.length)] : []),
    ...totalsByLabel(p.profile).map((t) => row(t.label, t.ms, t.count)),
  ];
}
