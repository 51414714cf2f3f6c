/**
 * Finding a WebGPU device. In a browser that is `navigator.gpu`; in Node it is Dawn (the `webgpu`
 * package), imported dynamically so that browser bundles never include it. Node tries the
 * platform's default backend at the core feature level first (Vulkan, Metal or D3D12 on a real
 * GPU), then OpenGL ES at the compatibility level (Mesa's llvmpipe on machines without a GPU).
 *
 * Dawn's GPU instances must stay reachable: when the instance that made a device is garbage
 * collected while the device lives, Dawn's Node module crashes the process (seen with the
 * `webgpu` package 0.6.2). One instance per backend flag set is created and kept for the life
 * of the process.
 */
import type { AcquiredDevice } from './device-info.js';
import { GpuExecutor, type DeviceLimits } from './executor.js';
import { checkGemmChoice, type GemmChoice } from './gemm-choice.js';
import { readGemmTuningTable } from './gemm-tuning-table.js';
import { WebGpuBackend } from './webgpu-backend.js';

export type { AcquiredDevice };

/** What a user of the WebGPU backend may set. */
export interface WebGpuBackendOptions {
  /**
   * Which adapter to use in Node: 'auto' (the platform's default, then OpenGL ES), 'default'
   * (Vulkan, Metal or D3D12) or 'opengles' (Mesa's llvmpipe on machines without a GPU).
   */
  nodeBackend?: 'auto' | 'default' | 'opengles';
  /** Which adapter to ask for where there are several (default 'high-performance'). */
  powerPreference?: GPUPowerPreference;
  /** Bytes of freed buffers kept for reuse (default 1 GiB). */
  maxPooledBytes?: number;
  /**
   * Kernel choices from an earlier `backend.tuning()` (after `backend.autotune`), e.g. read back
   * from a JSON file. A table of another format or version is ignored with a warning.
   */
  tuning?: unknown;
}

/**
 * Test and benchmark hooks: set through createInstrumentedWebGpuBackend (instrumented-backend.ts),
 * never by users.
 */
export interface WebGpuInstrumentation {
  /**
   * Pretend the device binds at most this many bytes per storage buffer: tensors are then split
   * into chunks of this size, which lets tests exercise the large-tensor paths on small shapes.
   */
  maxBindingBytesOverride?: number;
  /**
   * Pretend the adapter cuts shaders short after this many loop iterations per invocation (as
   * llvmpipe does after 65,535): kernels then split long loops or refuse with an error, which
   * lets tests exercise those paths on small shapes.
   */
  maxLoopIterationsOverride?: number;
  /** Check that each pipeline-cache key determines its WGSL (a self-check for tests; slower). */
  verifyVariants?: boolean;
  /**
   * Plan kernels as for a software adapter ('cpu': small workgroups, tall register blocks, direct
   * kernels only) or a real GPU ('gpu'); 'auto' (default) by the adapter. Tests force 'gpu' to
   * cover its kernels on llvmpipe.
   */
  kernelProfile?: 'auto' | 'cpu' | 'gpu';
  /** One GEMM choice for every problem without a tuned one (benchmarks: bench/tune-gemm.ts). */
  gemm?: GemmChoice;
  /** Submit the open command encoder after this many dispatches (default 64). */
  dispatchesPerSubmit?: number;
  /**
   * Dawn's Null backend (Node), which validates and records every command but runs none (outputs
   * are meaningless): for measuring what the host spends per kernel (bench/host-overhead.ts).
   */
  nullDevice?: boolean;
}

interface DawnModule {
  create(flags: string[]): GPU;
}

/** Dawn instances by flags, kept alive (see the file comment). */
const dawnInstances = new Map<string, GPU>();
let dawnModule: Promise<DawnModule> | null = null;

function dawnInstance(dawn: DawnModule, flags: string[]): GPU {
  const key = flags.join(' ');
  let gpu = dawnInstances.get(key);
  if (!gpu) dawnInstances.set(key, (gpu = dawn.create(flags)));
  return gpu;
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

async function loadDawn(): Promise<DawnModule> {
  // A computed specifier keeps bundlers from following the import into Dawn.
  const specifier = 'webgpu';
  return (dawnModule ??= import(/* @vite-ignore */ specifier) as Promise<DawnModule>);
}

/**
 * Dawn rounds GPU timestamps (to 65.5 µs) unless this toggle is off: a browser's defence against
 * timing attacks, and useless for timing kernels of 0.1 ms (gpu-timer.ts). Node has no such need.
 */
export const EXACT_TIMESTAMPS = 'disable-dawn-features=timestamp_quantization';

interface Candidate {
  gpu: GPU;
  featureLevel: 'core' | 'compatibility';
  api: string;
}

/** Where to look for an adapter: the user's options and the hook for Dawn's Null backend. */
type AdapterSearch = Pick<WebGpuBackendOptions, 'nodeBackend' | 'powerPreference'> & Pick<WebGpuInstrumentation, 'nullDevice'>;

async function candidates(opts: AdapterSearch): Promise<Candidate[]> {
  const browserGpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!isNode()) {
    if (!browserGpu) return [];
    return [
      { gpu: browserGpu, featureLevel: 'core', api: 'browser' },
      { gpu: browserGpu, featureLevel: 'compatibility', api: 'browser' },
    ];
  }
  const dawn = await loadDawn();
  const which = opts.nodeBackend ?? 'auto';
  if (opts.nullDevice) return [{ gpu: dawnInstance(dawn, ['backend=null', EXACT_TIMESTAMPS]), featureLevel: 'core', api: 'null' }];
  const out: Candidate[] = [];
  if (which !== 'opengles') {
    out.push({ gpu: dawnInstance(dawn, [EXACT_TIMESTAMPS]), featureLevel: 'core', api: 'default' });
  }
  if (which !== 'default') {
    // Mesa's EGL looks for a display server unless told otherwise; compute needs none.
    const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env;
    if (env && env.EGL_PLATFORM === undefined) env.EGL_PLATFORM = 'surfaceless';
    out.push({ gpu: dawnInstance(dawn, ['backend=opengles']), featureLevel: 'compatibility', api: 'opengles' });
  }
  return out;
}

async function findAdapter(opts: AdapterSearch): Promise<{ adapter: GPUAdapter; c: Candidate } | { reason: string }> {
  let list: Candidate[];
  try {
    list = await candidates(opts);
  } catch (e) {
    return { reason: `the 'webgpu' (Dawn) module could not be loaded: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (list.length === 0) return { reason: 'navigator.gpu is not available in this browser' };
  const tried: string[] = [];
  for (const c of list) {
    try {
      const adapter = await c.gpu.requestAdapter({ featureLevel: c.featureLevel, powerPreference: opts.powerPreference ?? 'high-performance' } as GPURequestAdapterOptions);
      if (adapter) return { adapter, c };
      tried.push(`${c.api}/${c.featureLevel}: no adapter`);
    } catch (e) {
      tried.push(`${c.api}/${c.featureLevel}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return {
    reason:
      `no WebGPU adapter (${tried.join('; ')}). Without a GPU, install Mesa ` +
      `(libegl1 libegl-dev libegl-mesa0 libgles2 libgl1-mesa-dri) and set EGL_PLATFORM=surfaceless`,
  };
}

const LIMIT_NAMES = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
] as const;

export async function acquireDevice(opts: AdapterSearch = {}): Promise<AcquiredDevice> {
  const found = await findAdapter(opts);
  if ('reason' in found) throw new Error(`createWebGpuBackend: ${found.reason}`);
  const { adapter, c } = found;
  // Device defaults are far below what adapters offer (8 storage buffers, 128 MiB bindings on
  // the default device); ask for the adapter's own values.
  const requiredLimits: Record<string, number> = {};
  for (const name of LIMIT_NAMES) requiredLimits[name] = adapter.limits[name];
  // Timestamps let `timeKernels` measure kernels on the GPU (gpu-timer.ts); nothing else needs them.
  const requiredFeatures: GPUFeatureName[] = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures, label: 'stieltjes' });
  const l = device.limits;
  const limits: DeviceLimits = {
    maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
    maxBufferSize: l.maxBufferSize,
    maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
    maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
    maxComputeWorkgroupSizeZ: l.maxComputeWorkgroupSizeZ,
    maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
    minUniformBufferOffsetAlignment: l.minUniformBufferOffsetAlignment,
  };
  // Older browsers have no adapter.info (only requestAdapterInfo()); describe what there is.
  const info: Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean } = adapter.info ?? {};
  const name = [info.vendor, info.architecture, info.device].filter((s) => s).join(' ') || 'unknown adapter';
  const description = info.description ? `${name} (${info.description})` : name;
  const lower = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.toLowerCase();
  const cpuEmulated = /llvmpipe|swiftshader|lavapipe|softpipe/.test(lower) || info.isFallbackAdapter === true;
  return {
    device,
    adapter,
    limits,
    api: c.api === 'default' ? guessNativeApi(info) : c.api,
    featureLevel: c.featureLevel,
    adapterDescription: description,
    cpuEmulated,
  };
}

function guessNativeApi(info: Partial<GPUAdapterInfo>): string {
  const d = `${info.description}`.toLowerCase();
  if (d.includes('vulkan')) return 'vulkan';
  if (d.includes('metal')) return 'metal';
  if (d.includes('d3d12') || d.includes('direct3d')) return 'd3d12';
  const p = (globalThis as { process?: { platform?: string } }).process?.platform;
  return p === 'darwin' ? 'metal' : p === 'win32' ? 'd3d12' : 'vulkan';
}

/** Elements per chunk: the largest multiple of 4 floats one binding (and one buffer) can hold. */
export function chunkElemsFor(limits: DeviceLimits, maxBindingBytesOverride?: number): number {
  let bytes = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  if (maxBindingBytesOverride !== undefined) {
    if (!(maxBindingBytesOverride >= 16)) {
      throw new Error(`createWebGpuBackend: maxBindingBytesOverride must be at least 16 bytes, got ${maxBindingBytesOverride}`);
    }
    bytes = Math.min(bytes, maxBindingBytesOverride);
  }
  return Math.floor(bytes / 16) * 4;
}

/** Creates the WebGPU backend on the best adapter available (see the file comment). */
export function createWebGpuBackend(opts: WebGpuBackendOptions = {}): Promise<WebGpuBackend> {
  // JavaScript callers get no type check: a test or benchmark hook passed here would be ignored
  // silently, so anything but the user options is refused by name.
  const unknown = Object.keys(opts).filter((k) => !USER_OPTIONS.has(k));
  if (unknown.length > 0) {
    return Promise.reject(new Error(`createWebGpuBackend: unknown option ${unknown.map((k) => `'${k}'`).join(', ')} (options: ${[...USER_OPTIONS].join(', ')}; test and benchmark hooks go to createInstrumentedWebGpuBackend)`));
  }
  return createBackendWith(opts, {});
}

const USER_OPTIONS = new Set<string>(['nodeBackend', 'powerPreference', 'maxPooledBytes', 'tuning'] satisfies (keyof WebGpuBackendOptions)[]);

/** @internal The factory behind createWebGpuBackend and createInstrumentedWebGpuBackend. */
export async function createBackendWith(opts: WebGpuBackendOptions, hooks: WebGpuInstrumentation): Promise<WebGpuBackend> {
  // A bad forced choice or a corrupt tuning table is reported before a device is made.
  const forced = hooks.gemm === undefined ? undefined : checkGemmChoice(hooks.gemm);
  if (opts.tuning !== undefined) readGemmTuningTable(opts.tuning);
  const acquired = await acquireDevice({ ...opts, nullDevice: hooks.nullDevice });
  const executor = new GpuExecutor(acquired.device, acquired.limits, {
    chunkElems: chunkElemsFor(acquired.limits, hooks.maxBindingBytesOverride),
    dispatchesPerSubmit: hooks.dispatchesPerSubmit ?? 64,
    maxPooledBytes: opts.maxPooledBytes ?? 2 ** 30,
    verifyVariants: hooks.verifyVariants ?? false,
    loopBudget: hooks.maxLoopIterationsOverride ?? loopBudgetOf(acquired.adapterDescription),
  });
  const profile = hooks.kernelProfile ?? 'auto';
  const softwareAdapter = profile === 'auto' ? acquired.cpuEmulated : profile === 'cpu';
  const backend = new WebGpuBackend(executor, acquired, { softwareAdapter, choice: forced ?? { family: 'auto' } });
  // An older release's table is not an error: it only costs the tuning it held.
  const notice = opts.tuning === undefined ? undefined : backend.useTuning(opts.tuning);
  if (notice) console.warn(`createWebGpuBackend: ignoring the tuning table: ${notice}`);
  return backend;
}

/**
 * Loop iterations per invocation the adapter completes: Mesa's gallivm drivers (llvmpipe,
 * lavapipe) stop a shader after 65,535 in all and keep what it wrote; 65,000 leaves room for
 * a kernel's short loops besides its long one. No such limit is known elsewhere.
 */
export function loopBudgetOf(adapterDescription: string): number {
  return /llvmpipe|lavapipe/i.test(adapterDescription) ? 65_000 : Infinity;
}

let availability: Promise<{ ok: boolean; reason?: string }> | null = null;

/** Whether a WebGPU adapter can be found here (cached; tests use it to skip or fail). */
export function webgpuAvailable(): Promise<{ ok: boolean; reason?: string }> {
  return (availability ??= findAdapter({}).then((r) => ('reason' in r ? { ok: false, reason: r.reason } : { ok: true })));
}
