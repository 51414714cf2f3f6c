/**
 * What a dispatch binds besides its pipeline: its parameters and its bind group.
 *
 * Parameters go into one host-side block per submission, one 256-byte slot per dispatch,
 * written to a persistent uniform buffer with a single queue write just before the submission
 * (queue writes are ordered between submissions, so the buffer is safely reused) and bound at
 * a dynamic offset. Bind groups therefore depend only on the layout and the storage buffers and
 * are cached: the same op on the same pooled buffers (every step of a loop) reuses its group.
 * Making one was most of the host's cost per dispatch (about 19 µs of ~35 in Dawn on a 2-core VM).
 */
import { roundUp } from './gpu-storage.js';
import { BufferUsage } from './webgpu-constants.js';
import type { ParamType } from './wgsl.js';

const PARAM_SLOT_BYTES = 256;
/** Parameters one dispatch may have (one slot). */
export const MAX_PARAMS = PARAM_SLOT_BYTES / 4;
/** Bind groups kept; the oldest unused goes first. */
const MAX_CACHED_BIND_GROUPS = 4096;

/** Identity numbers for GPU objects in bind-group keys (never reused, so a destroyed buffer's key never recurs). */
const objectIds = new WeakMap<object, number>();
let nextObjectId = 0;
function idOf(o: object): number {
  let id = objectIds.get(o);
  if (id === undefined) objectIds.set(o, (id = nextObjectId++));
  return id;
}

/** A dispatch's parameters as written: its dynamic offset, the bytes it binds and their words. */
export interface WrittenParams {
  offset: number;
  bytes: number;
  words(): Uint32Array;
}

export class DispatchBindings {
  private readonly slotBytes: number;
  private readonly words: Uint32Array;
  private readonly floats: Float32Array;
  private readonly ints: Int32Array;
  /** Slots written since the last upload. */
  private used = 0;
  private readonly buffer: GPUBuffer;
  private readonly groups = new Map<string, GPUBindGroup>();

  constructor(
    private readonly device: GPUDevice,
    minUniformBufferOffsetAlignment: number,
    slots: number,
  ) {
    this.slotBytes = Math.max(PARAM_SLOT_BYTES, minUniformBufferOffsetAlignment);
    const bytes = this.slotBytes * slots;
    this.words = new Uint32Array(bytes / 4);
    this.floats = new Float32Array(this.words.buffer);
    this.ints = new Int32Array(this.words.buffer);
    this.buffer = device.createBuffer({ size: bytes, usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST });
  }

  /** Writes a dispatch's parameters into the next slot (u32 values checked; at most MAX_PARAMS, which the caller checks first). */
  writeParams(label: string, params: readonly (readonly [string, number, ParamType?])[]): WrittenParams {
    const base = (this.used * this.slotBytes) / 4;
    params.forEach(([name, v, t], i) => {
      if (t === 'f32') this.floats[base + i] = v;
      else if (t === 'i32') this.ints[base + i] = v;
      else {
        if (!(v >= 0 && v <= 0xffffffff && Number.isInteger(v))) throw new Error(`${label}: parameter ${name} = ${v} is not a u32`);
        this.words[base + i] = v;
      }
    });
    this.used++;
    const bytes = Math.max(16, roundUp(params.length * 4, 16));
    return { offset: base * 4, bytes, words: () => this.words.slice(base, base + bytes / 4) };
  }

  /** No slot is left: the block must be uploaded (and submitted) before the next dispatch. */
  get full(): boolean {
    return this.used * this.slotBytes >= this.buffer.size;
  }

  /** Queues the parameters written since the last upload; call just before submitting. */
  upload(): void {
    if (this.used === 0) return;
    this.device.queue.writeBuffer(this.buffer, 0, this.words.buffer, 0, this.used * this.slotBytes);
    this.used = 0;
  }

  /** The bind group for these bindings (parameters at a dynamic offset), made once and reused. */
  bindGroup(label: string, layout: GPUBindGroupLayout, paramBytes: number, buffers: GPUBuffer[], bindingBytes: number[]): GPUBindGroup {
    let key = `${idOf(layout)}|${paramBytes}`;
    for (let i = 0; i < buffers.length; i++) key += `|${idOf(buffers[i]!)}:${bindingBytes[i]}`;
    let group = this.groups.get(key);
    if (group) {
      // Most recently used last, so that eviction takes the oldest.
      this.groups.delete(key);
      this.groups.set(key, group);
      return group;
    }
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.buffer, offset: 0, size: paramBytes } }];
    buffers.forEach((buffer, i) => entries.push({ binding: i + 1, resource: { buffer, offset: 0, size: bindingBytes[i] } }));
    group = this.device.createBindGroup({ label, layout, entries });
    this.groups.set(key, group);
    if (this.groups.size > MAX_CACHED_BIND_GROUPS) this.groups.delete(this.groups.keys().next().value!);
    return group;
  }

  clear(): void {
    this.groups.clear();
  }
}
