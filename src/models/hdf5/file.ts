/**
 * The public face of the HDF5 reader: `Hdf5File.open(bytes)` then navigate groups, read
 * attributes and view datasets. Everything is parsed lazily and at most once, straight from
 * the caller's bytes (no copy of the file is made).
 */
import type { FileContext } from './cursor.js';
import { describeDatatype, type Datatype } from './datatype.js';
import { readDatasetInfo, readNumericArray, type DatasetInfo, type NumericArray } from './dataset.js';
import { Hdf5Error } from './errors.js';
import { GlobalHeap } from './global-heap.js';
import type { Link } from './link.js';
import { readGroupLinks } from './links.js';
import { readObjectHeader, type ObjectHeader } from './object-header.js';
import { readRawAttributes, type RawAttribute } from './attributes.js';
import { readSuperblock } from './superblock.js';
import { decodeNumbers, decodeStrings } from './values.js';

export type Hdf5Source = Uint8Array | ArrayBuffer;

export interface Hdf5OpenOptions {
  /** Name used in error messages (a file path); defaults to `<buffer>`. */
  readonly name?: string;
}

/** Soft links may point at soft links; more hops than this is a loop. */
const MAX_SOFT_LINK_HOPS = 32;

/** State shared by every object of one open file. */
class FileState {
  readonly globalHeap: GlobalHeap;
  private readonly headers = new Map<number, ObjectHeader>();
  private rootGroup: Hdf5Group | undefined;

  constructor(
    readonly ctx: FileContext,
    private readonly rootAddress: number,
  ) {
    this.globalHeap = new GlobalHeap(ctx);
  }

  root(): Hdf5Group {
    if (!this.rootGroup) {
      const obj = this.objectAt(this.rootAddress, '/');
      if (obj.kind !== 'group') throw this.error('the root object is not a group (corrupt file)', '/');
      this.rootGroup = obj;
    }
    return this.rootGroup;
  }

  /** The group or dataset whose object header is at `address`, reached as `path`. */
  objectAt(address: number, path: string): Hdf5Group | Hdf5Dataset {
    const header = this.header(address, path);
    const links = readGroupLinks(this.ctx, header, path);
    if (links !== null) return new Hdf5Group(this, path, address, links);
    const info = readDatasetInfo(this.ctx, header, path);
    if (info !== null) return new Hdf5Dataset(this, path, address, info);
    throw this.error(`"${path}" is neither a group nor a dataset (e.g. a named datatype)`, path);
  }

  header(address: number, path: string): ObjectHeader {
    let h = this.headers.get(address);
    if (!h) {
      h = readObjectHeader(this.ctx, address, path);
      this.headers.set(address, h);
    }
    return h;
  }

  error(message: string, path: string): Hdf5Error {
    return new Hdf5Error(`${this.ctx.sourceName}: ${message}`, { objectPath: path });
  }
}

function joinPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

export class Hdf5Attribute {
  constructor(
    private readonly state: FileState,
    private readonly raw: RawAttribute,
    /** Path of the object the attribute belongs to. */
    readonly ownerPath: string,
  ) {}

  get name(): string {
    return this.raw.name;
  }

  get shape(): readonly number[] {
    return this.raw.dataspace.shape;
  }

  get datatype(): Datatype {
    return this.raw.datatype;
  }

  /** Number of elements (0 for an empty or null dataspace). */
  get size(): number {
    return this.raw.dataspace.size;
  }

  get isString(): boolean {
    return this.raw.datatype.kind === 'string' || this.raw.datatype.kind === 'vlen-string';
  }

  private get what(): string {
    return `attribute "${this.name}" of "${this.ownerPath}"`;
  }

  /** All elements as strings (fixed- or variable-length), trailing NULs stripped. */
  strings(): string[] {
    const { datatype, dataspace, dataStart } = this.raw;
    return decodeStrings(this.state.ctx, this.state.globalHeap, datatype, dataStart, dataspace.size, this.what);
  }

  /** All elements as numbers (integers or IEEE floats). */
  numbers(): number[] {
    const { datatype, dataspace, dataStart } = this.raw;
    return decodeNumbers(this.state.ctx, datatype, dataStart, dataspace.size, this.what);
  }

  /** The value: a single string/number for a scalar attribute, an array otherwise. */
  value(): string | number | string[] | number[] {
    const values = this.isString ? this.strings() : this.numbers();
    return this.raw.dataspace.kind === 'scalar' ? values[0]! : values;
  }
}

abstract class Hdf5Object {
  private attributeCache: Map<string, Hdf5Attribute> | undefined;

  constructor(
    protected readonly state: FileState,
    readonly path: string,
    readonly address: number,
  ) {}

  protected get header(): ObjectHeader {
    return this.state.header(this.address, this.path);
  }

  /** All attributes by name. */
  attributes(): ReadonlyMap<string, Hdf5Attribute> {
    if (!this.attributeCache) {
      const map = new Map<string, Hdf5Attribute>();
      for (const raw of readRawAttributes(this.state.ctx, this.header, this.path)) {
        map.set(raw.name, new Hdf5Attribute(this.state, raw, this.path));
      }
      this.attributeCache = map;
    }
    return this.attributeCache;
  }

  attr(name: string): Hdf5Attribute | undefined {
    return this.attributes().get(name);
  }
}

export class Hdf5Dataset extends Hdf5Object {
  readonly kind = 'dataset';

  constructor(
    state: FileState,
    path: string,
    address: number,
    private readonly info: DatasetInfo,
  ) {
    super(state, path, address);
  }

  get shape(): readonly number[] {
    return this.info.dataspace.shape;
  }

  get size(): number {
    return this.info.dataspace.size;
  }

  get datatype(): Datatype {
    return this.info.datatype;
  }

  /** Elements as a typed array viewing the file bytes (or one copy when misaligned). */
  read(): NumericArray {
    return readNumericArray(this.state.ctx, this.info, this.path);
  }

  /** Elements as float32; any other datatype is rejected with the dataset path. */
  readFloat32(): Float32Array {
    const t = this.info.datatype;
    if (!(t.kind === 'float' && t.size === 4 && t.ieee && t.littleEndian)) {
      throw this.state.error(`dataset "${this.path}" holds ${describeDatatype(t)}, expected little-endian float32`, this.path);
    }
    return this.read() as Float32Array;
  }
}

export class Hdf5Group extends Hdf5Object {
  readonly kind = 'group';
  private readonly childCache = new Map<string, Hdf5Group | Hdf5Dataset>();
  private readonly linksByName: ReadonlyMap<string, Link>;

  constructor(
    state: FileState,
    path: string,
    address: number,
    private readonly linkList: readonly Link[],
  ) {
    super(state, path, address);
    this.linksByName = new Map(linkList.map((l) => [l.name, l]));
  }

  /** Link names in storage order (alphabetical for old-style groups). */
  keys(): string[] {
    return this.linkList.map((l) => l.name);
  }

  links(): readonly Link[] {
    return this.linkList;
  }

  has(name: string): boolean {
    return this.linksByName.has(name);
  }

  /** The object at `path` (relative to this group, or absolute), or undefined if absent. */
  tryGet(path: string): Hdf5Group | Hdf5Dataset | undefined {
    return this.resolve(path, 0);
  }

  get(path: string): Hdf5Group | Hdf5Dataset {
    const obj = this.tryGet(path);
    if (!obj) throw this.state.error(`no object "${path}" in group "${this.path}"`, joinPath(this.path, path));
    return obj;
  }

  group(path: string): Hdf5Group {
    const obj = this.get(path);
    if (obj.kind !== 'group') throw this.state.error(`"${obj.path}" is a dataset, expected a group`, obj.path);
    return obj;
  }

  dataset(path: string): Hdf5Dataset {
    const obj = this.get(path);
    if (obj.kind !== 'dataset') throw this.state.error(`"${obj.path}" is a group, expected a dataset`, obj.path);
    return obj;
  }

  /** Direct children (hard and resolvable soft links), in link order. */
  children(): (Hdf5Group | Hdf5Dataset)[] {
    const out: (Hdf5Group | Hdf5Dataset)[] = [];
    for (const l of this.linkList) {
      const child = this.child(l.name, 0);
      if (child) out.push(child);
    }
    return out;
  }

  private resolve(path: string, hops: number): Hdf5Group | Hdf5Dataset | undefined {
    let node: Hdf5Group | Hdf5Dataset = path.startsWith('/') ? this.state.root() : this;
    for (const part of path.split('/')) {
      if (part === '' || part === '.') continue;
      if (node.kind !== 'group') return undefined;
      const next: Hdf5Group | Hdf5Dataset | undefined = node.child(part, hops);
      if (!next) return undefined;
      node = next;
    }
    return node;
  }

  private child(name: string, hops: number): Hdf5Group | Hdf5Dataset | undefined {
    const cached = this.childCache.get(name);
    if (cached) return cached;
    const link = this.linksByName.get(name);
    if (!link) return undefined;
    const childPath = joinPath(this.path, name);
    let obj: Hdf5Group | Hdf5Dataset | undefined;
    if (link.kind === 'hard') {
      obj = this.state.objectAt(link.address, childPath);
    } else if (link.kind === 'soft') {
      if (hops >= MAX_SOFT_LINK_HOPS) throw this.state.error(`soft link "${childPath}" is part of a loop`, childPath);
      obj = this.resolve(link.target, hops + 1);
    } else {
      throw this.state.error(`"${childPath}" is an external link, which is not supported`, childPath);
    }
    if (obj) this.childCache.set(name, obj);
    return obj;
  }

  /**
   * Calls `fn` for every object below this group, depth first, each object once even when
   * hard links make it reachable twice (so cycles cannot loop).
   */
  visit(fn: (obj: Hdf5Group | Hdf5Dataset) => void): void {
    const seen = new Set<number>([this.address]);
    const stack: Hdf5Group[] = [this];
    while (stack.length > 0) {
      const g = stack.pop()!;
      for (const l of g.linkList) {
        if (l.kind === 'external') continue;
        const c = g.child(l.name, 0);
        if (!c || seen.has(c.address)) continue;
        seen.add(c.address);
        fn(c);
        if (c.kind === 'group') stack.push(c);
      }
    }
  }
}

/** An open HDF5 file. */
export class Hdf5File {
  private constructor(
    private readonly state: FileState,
    /** Superblock version: 0/1 (HDF5 1.6 layout, Keras files) or 2/3 (1.8+). */
    readonly superblockVersion: number,
  ) {}

  /**
   * Opens HDF5 bytes. Nothing is copied: datasets are later viewed straight from `source`, so
   * the caller must not modify it while the file is in use.
   */
  static open(source: Hdf5Source, options: Hdf5OpenOptions = {}): Hdf5File {
    // A plain Uint8Array view even for a Node Buffer, whose slice() would not copy.
    const bytes =
      source instanceof Uint8Array ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength) : new Uint8Array(source);
    const sb = readSuperblock(bytes, options.name ?? '<buffer>');
    const state = new FileState(sb.ctx, sb.rootObjectAddress);
    const file = new Hdf5File(state, sb.version);
    state.root(); // the root must be a group: fail now rather than on first use
    return file;
  }

  get root(): Hdf5Group {
    return this.state.root();
  }

  get name(): string {
    return this.state.ctx.sourceName;
  }

  get(path: string): Hdf5Group | Hdf5Dataset {
    return this.root.get(path);
  }

  tryGet(path: string): Hdf5Group | Hdf5Dataset | undefined {
    return this.root.tryGet(path);
  }

  group(path: string): Hdf5Group {
    return this.root.group(path);
  }

  dataset(path: string): Hdf5Dataset {
    return this.root.dataset(path);
  }
}
