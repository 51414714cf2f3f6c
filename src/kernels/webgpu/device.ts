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
import { GpuExecutor, type DeviceLimits } from './executor.js';
import { checkTuningTable } from './gemm-autotune.js';
import { parseGemmKnob } from './kernels/register-block.js';
import { WebGpuBackend } from './webgpu-backend.js';

export interface WebGpuBackendOptions {
  /**
   * Pretend the device binds at most this many bytes per storage buffer: tensors are then split
   * into chunks of this size, which lets tests exercise the large-tensor paths on small shapes.
   */
  maxBindingBytesOverride?: number;
  /**
   * Which adapter to use in Node: 'auto' (default then OpenGL ES), 'default' or 'opengles'; or
   * 'null', Dawn's Null backend, which validates and records every command but runs none (outputs
   * are meaningless): for measuring what the host spends per kernel (bench/host-overhead.ts).
   */
  nodeBackend?: 'auto' | 'default' | 'opengles' | 'null';
  /**
   * Pretend the adapter cuts shaders short after this many loop iterations per invocation (as
   * llvmpipe does after 65,535): kernels then split long loops or refuse with an error, which
   * lets tests exercise those paths on small shapes.
   */
  maxLoopIterationsOverride?: number;
  /** Submit the open command encoder after this many dispatches (default 64). */
  dispatchesPerSubmit?: number;
  /** Bytes of freed buffers kept for reuse (default 1 GiB). */
  maxPooledBytes?: number;
  /** Check that each pipeline-cache key determines its WGSL (a self-check for tests; slower). */
  verifyVariants?: boolean;
  /**
   * Kernel shapes: 'cpu' for software adapters (small workgroups, tall register blocks), 'gpu'
   * for real GPUs; 'auto' (default) picks by the adapter. Tests force 'gpu' to cover its shapes.
   */
  kernelProfile?: 'auto' | 'cpu' | 'gpu';
  /**
   * A tuning knob for benchmarks, for the GEMM-shaped kernels (matmul, conv2d and its
   * gradients). 'RMxCN/WXxWY' (rows per invocation × vec4 columns per invocation / workgroup
   * width × height, e.g. '8x2/16x16') runs the direct kernels with that shape for outputs of 16
   * rows or more; 'direct' runs them with their own choice of shape (also for the products of
   * 1–4 rows that real GPUs otherwise run on their own kernels); 'tiled:B:F[:T][:kS]' fixes the
   * tile (B = 32, 64, 128 or auto), target workgroup count (F, 0 for no split-K) and optionally the
   * tile count below which K is split (T, default 256) and the K step (S = 8, 16 or 32, where
   * longer than the tile's own and it fits) of the workgroup-memory kernel that real GPUs
   * otherwise get where it applies (':1buf' appended: one tile buffer instead of two).
   * Left out, each problem gets the profile's choice.
   */
  gemmTiling?: string;
  /**
   * Per-problem kernel choices from an earlier `backend.tuning()` (after `backend.autotune`),
   * e.g. read back from a JSON file: { problem key: gemmTiling knob }.
   */
  tuning?: Readonly<Record<string, string>>;
}

export interface AcquiredDevice {
  device: GPUDevice;
  adapter: GPUAdapter;
  limits: DeviceLimits;
  /** 'vulkan' | 'metal' | 'd3d12' | 'opengles' | 'browser' … as far as it can be told. */
  api: string;
  featureLevel: 'core' | 'compatibility';
  adapterDescription: string;
  /** A software rasteriser (llvmpipe, SwiftShader): kernels then favour CPU-friendly shapes. */
  cpuEmulated: boolean;
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

async function candidates(opts: WebGpuBackendOptions): Promise<Candidate[]> {
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
  if (which === 'null') return [{ gpu: dawnInstance(dawn, ['backend=null', EXACT_TIMESTAMPS]), featureLevel: 'core', api: 'null' }];
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

async function findAdapter(opts: WebGpuBackendOptions): Promise<{ adapter: GPUAdapter; c: Candidate } | { reason: string }> {
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
      const adapter = await c.gpu.requestAdapter({ featureLevel: c.featureLevel, powerPreference: 'high-performance' } as GPURequestAdapterOptions);
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

export async function acquireDevice(opts: WebGpuBackendOptions = {}): Promise<AcquiredDevice> {
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
export async function createWebGpuBackend(opts: WebGpuBackendOptions = {}): Promise<WebGpuBackend> {
  // Bad knobs are reported before a device is made.
  if (opts.gemmTiling !== undefined) parseGemmKnob(opts.gemmTiling);
  if (opts.tuning) checkTuningTable(opts.tuning);
  const acquired = await acquireDevice(opts);
  const executor = new GpuExecutor(acquired.device, acquired.limits, {
    chunkElems: chunkElemsFor(acquired.limits, opts.maxBindingBytesOverride),
    dispatchesPerSubmit: opts.dispatchesPerSubmit ?? 64,
    maxPooledBytes: opts.maxPooledBytes ?? 2 ** 30,
    verifyVariants: opts.verifyVariants ?? false,
    loopBudget: opts.maxLoopIterationsOverride ?? loopBudgetOf(acquired.adapterDescription),
  });
  const profile = opts.kernelProfile ?? 'auto';
  const cpuEmulated = profile === 'auto' ? acquired.cpuEmulated : profile === 'cpu';
  const knob = opts.gemmTiling === undefined ? {} : parseGemmKnob(opts.gemmTiling);
  return new WebGpuBackend(executor, acquired, { ...knob, cpuEmulated }, opts.tuning);
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
