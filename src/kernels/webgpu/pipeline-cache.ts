/**
 * Compute pipelines and bind group layouts, cached by kernel name + specialisation ("variant") +
 * operand chunking + parameter layout: everything that changes the WGSL. Shapes travel in the
 * uniform parameters, so one pipeline serves every shape of a variant.
 *
 * A shader that fails to compile is reported (asynchronously, see device-errors.ts) with the
 * compiler's messages, and its key is remembered so that later uses fail at once.
 */
import type { DeviceErrors } from './device-errors.js';
import { ShaderStage } from './webgpu-constants.js';
import { operandDecls, paramsDecl, PRELUDE, type OperandLayout, type ParamType } from './wgsl.js';

export interface PipelineRequest {
  kernel: string;
  label: string;
  variant: string;
  layout: readonly OperandLayout[];
  params: readonly (readonly [string, ParamType])[];
  body: () => string;
}

export interface CachedPipeline {
  pipeline: GPUComputePipeline;
  bindGroupLayout: GPUBindGroupLayout;
}

export class PipelineCache {
  private readonly pipelines = new Map<string, CachedPipeline>();
  private readonly failed = new Map<string, string>();
  private readonly layouts = new Map<string, GPUBindGroupLayout>();
  /** Source per key, kept only when verifying variants. */
  private readonly sources = new Map<string, string>();

  constructor(
    private readonly device: GPUDevice,
    private readonly errors: DeviceErrors,
    private readonly chunkElems: number,
    /** Regenerate the WGSL on every use and check the key determines it (tests). */
    private readonly verify: boolean,
  ) {}

  get(r: PipelineRequest): CachedPipeline {
    const key = [
      r.kernel,
      r.variant,
      r.layout.map((o) => `${o.name}:${o.type}:${o.chunks}:${o.write ? 'w' : 'r'}`).join(','),
      r.params.map((p) => p.join(':')).join(','),
    ].join('|');
    const failed = this.failed.get(key);
    if (failed) throw new Error(`${r.label}: ${failed}`);
    const source = (): string => PRELUDE + paramsDecl(r.params) + operandDecls(r.layout, this.chunkElems) + r.body();
    const cached = this.pipelines.get(key);
    if (cached) {
      if (this.verify && this.sources.get(key) !== source()) {
        throw new Error(`${r.label}: kernel '${r.kernel}' generated different WGSL under the same variant key '${r.variant}'`);
      }
      return cached;
    }
    const code = source();
    if (this.verify) this.sources.set(key, code);
    const bindGroupLayout = this.bindGroupLayout(r.layout);
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({ label: r.kernel, code });
    const pipeline = this.device.createComputePipeline({
      label: r.kernel,
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [bindGroupLayout] }),
      compute: { module, entryPoint: 'main' },
    });
    this.errors.track(
      this.device.popErrorScope().then(async (e) => {
        if (!e) return;
        let detail = e.message;
        try {
          const info = await module.getCompilationInfo();
          const msgs = info.messages.filter((m) => m.type === 'error').map((m) => `line ${m.lineNum}: ${m.message}`);
          if (msgs.length > 0) detail = msgs.join('; ');
        } catch {
          // Keep the scope's message.
        }
        const msg = `WGSL pipeline for kernel '${r.kernel}' (${r.variant}) failed to compile: ${detail}`;
        this.failed.set(key, msg);
        this.errors.record(new Error(`${r.label}: ${msg}`), true);
      }),
    );
    const entry = { pipeline, bindGroupLayout };
    this.pipelines.set(key, entry);
    return entry;
  }

  /** Binding 0: the uniform parameters; then one storage binding per operand chunk. */
  private bindGroupLayout(layout: readonly OperandLayout[]): GPUBindGroupLayout {
    const sig = layout.map((o) => `${Math.max(1, o.chunks)}${o.write ? 'w' : 'r'}`).join(',');
    const cached = this.layouts.get(sig);
    if (cached) return cached;
    // The parameters sit at a dynamic offset in one buffer per executor (executor.ts).
    const entries: GPUBindGroupLayoutEntry[] = [{ binding: 0, visibility: ShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true } }];
    let binding = 1;
    for (const o of layout) {
      for (let c = 0; c < Math.max(1, o.chunks); c++) {
        entries.push({ binding: binding++, visibility: ShaderStage.COMPUTE, buffer: { type: o.write ? 'storage' : 'read-only-storage' } });
      }
    }
    const bgl = this.device.createBindGroupLayout({ entries });
    this.layouts.set(sig, bgl);
    return bgl;
  }
}
