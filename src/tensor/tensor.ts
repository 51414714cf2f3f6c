/**
 * A Tensor is an immutable n-dimensional array living on one backend. Several tensors may share
 * one storage (reshape is free): the storage is reference-counted and returned to its backend
 * when the last tensor using it is disposed.
 */
import type { Backend, Storage, TensorInfo } from '../kernels/backend.js';
import type { DType, TypedArray } from './dtype.js';
import { formatShape, sizeOf, type Shape } from './shape.js';

/** Shared, reference-counted storage. */
export class StorageRef {
  private refs = 1;
  constructor(
    readonly backend: Backend,
    readonly storage: Storage,
    readonly dtype: DType,
    readonly size: number,
  ) {}
  retain(): this {
    this.refs++;
    return this;
  }
  release(): void {
    if (--this.refs === 0) this.backend.free(this.storage, this.dtype, this.size);
  }
}

let nextTensorId = 1;

/**
 * Told of every new tensor. scope.ts sets it when a scope opens (the tensor goes into the
 * innermost scope); until then there is nothing to tell. A hook rather than an import keeps the
 * dependency one way: scopes know tensors, tensors know no scopes.
 */
let onCreate: (t: Tensor) => void = () => {};

/** @internal For scope.ts only. */
export function setTensorCreationHook(hook: (t: Tensor) => void): void {
  onCreate = hook;
}

export class Tensor implements TensorInfo {
  /** Unique per tensor (not per storage): the tape keys gradients by it. */
  readonly id = nextTensorId++;
  readonly shape: Shape;
  readonly size: number;
  private ref: StorageRef | null;

  /** @internal Ops create tensors through `execute` or `Tensor.fromStorage`. */
  constructor(ref: StorageRef, shape: Shape) {
    this.ref = ref;
    this.shape = Object.freeze([...shape]);
    this.size = sizeOf(shape);
    onCreate(this);
  }

  /** Wraps freshly produced storage. */
  static fromStorage(backend: Backend, storage: Storage, shape: Shape, dtype: DType): Tensor {
    return new Tensor(new StorageRef(backend, storage, dtype, sizeOf(shape)), shape);
  }

  /** A new tensor (new id) sharing this one's storage, possibly with another shape of equal size. */
  view(shape: Shape = this.shape): Tensor {
    return new Tensor(this.alive('view').retain(), shape);
  }

  get rank(): number {
    return this.shape.length;
  }
  get dtype(): DType {
    return this.alive('dtype').dtype;
  }
  get backend(): Backend {
    return this.alive('backend').backend;
  }
  get storage(): Storage {
    return this.alive('storage').storage;
  }
  get isDisposed(): boolean {
    return this.ref === null;
  }

  /** Reads the values back (waits for the device on WebGPU). */
  async data(): Promise<TypedArray> {
    const ref = this.alive('data');
    return ref.backend.read(this);
  }

  /** Synchronous read: the CPU backend only. */
  dataSync(): TypedArray {
    const ref = this.alive('dataSync');
    if (!ref.backend.readSync) {
      throw new Error(`dataSync: the ${ref.backend.name} backend reads asynchronously; use await tensor.data()`);
    }
    return ref.backend.readSync(this);
  }

  /** The values as a plain number array (row-major). */
  async toArray(): Promise<number[]> {
    return Array.from(await this.data());
  }

  /** The single value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new Error(`item: tensor of shape ${formatShape(this.shape)} has ${this.size} elements, not 1`);
    return (await this.data())[0]!;
  }

  dispose(): void {
    if (this.ref === null) return;
    this.ref.release();
    this.ref = null;
  }

  toString(): string {
    return `Tensor(${this.ref ? this.ref.dtype : 'disposed'} ${formatShape(this.shape)})`;
  }

  private alive(what: string): StorageRef {
    if (this.ref === null) throw new Error(`${what}: tensor ${formatShape(this.shape)} (#${this.id}) has been disposed`);
    return this.ref;
  }
}
