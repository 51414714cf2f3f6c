/**
 * Fractal heaps ("FRHP"): where dense groups keep their link messages and dense attribute
 * storage keeps its attribute messages. Objects are addressed by heap IDs; "managed" objects
 * live in direct blocks found through a doubling table of indirect blocks.
 */
import { lookup3 } from './checksum.js';
import { bytesForBits, Cursor, fail, type FileContext } from './cursor.js';

interface HeapHeader {
  readonly address: number;
  readonly heapIdLength: number;
  readonly checksumDirectBlocks: boolean;
  readonly maxManagedObjectSize: number;
  readonly tableWidth: number;
  readonly startingBlockSize: number;
  readonly maxDirectBlockSize: number;
  /** Bytes of a block offset / of a heap ID's offset field. */
  readonly heapOffsetSize: number;
  /** Bytes of a heap ID's length field. */
  readonly heapLengthSize: number;
  readonly rootBlockAddress: number | null;
  readonly rootRows: number;
  /** Rows of an indirect block whose entries are direct blocks. */
  readonly maxDirectRows: number;
}

function log2Exact(n: number, c: Cursor, field: string): number {
  const l = Math.log2(n);
  if (!Number.isInteger(l)) c.fail(`${field} ${n} is not a power of two`);
  return l;
}

/** floor(log2(n)) for n >= 1, 0 for 0: matches how HDF5 sizes its variable-width fields. */
function log2Floor(n: number): number {
  return n < 1 ? 0 : Math.floor(Math.log2(n));
}

export class FractalHeap {
  private readonly header: HeapHeader;
  /** Direct blocks whose checksum has been verified (each is checked once). */
  private readonly verifiedBlocks = new Set<number>();

  constructor(
    private readonly ctx: FileContext,
    address: number,
    private readonly what: string,
  ) {
    this.header = this.readHeader(address);
  }

  private readHeader(address: number): HeapHeader {
    const c = Cursor.toEnd(this.ctx, address, `${this.what}: fractal heap at ${address}`);
    c.signature('FRHP');
    const version = c.u8('fractal heap version');
    if (version !== 0) c.fail(`unsupported fractal heap version ${version}`);
    const heapIdLength = c.u16('heap ID length');
    const filterLength = c.u16('I/O filters encoded length');
    if (filterLength !== 0) c.fail('filtered (compressed) fractal heaps are not supported');
    const flags = c.u8('fractal heap flags');
    const maxManagedObjectSize = c.u32('maximum managed object size');
    c.length('next huge object ID');
    c.address('huge object B-tree address');
    c.length('free space in managed blocks');
    c.address('free space manager address');
    c.length('managed space');
    c.length('allocated managed space');
    c.length('direct block allocation iterator offset');
    c.length('number of managed objects');
    c.length('size of huge objects');
    c.length('number of huge objects');
    c.length('size of tiny objects');
    c.length('number of tiny objects');
    const tableWidth = c.u16('doubling table width');
    const startingBlockSize = c.length('starting block size');
    const maxDirectBlockSize = c.length('maximum direct block size');
    const maxHeapSizeBits = c.u16('maximum heap size');
    c.u16('starting rows in root indirect block');
    const rootBlockAddress = c.address('root block address');
    const rootRows = c.u16('current rows in root indirect block');
    c.checksum(c.start);
    if (tableWidth === 0 || tableWidth > 65536) c.fail(`doubling table width ${tableWidth} is invalid`);
    if (maxHeapSizeBits === 0 || maxHeapSizeBits > 64) c.fail(`maximum heap size ${maxHeapSizeBits} bits is invalid`);
    const startLog = log2Exact(startingBlockSize, c, 'starting block size');
    const maxDirectLog = log2Exact(maxDirectBlockSize, c, 'maximum direct block size');
    if (maxDirectLog < startLog) c.fail('maximum direct block size is below the starting block size');
    return {
      address,
      heapIdLength,
      checksumDirectBlocks: (flags & 0x02) !== 0,
      maxManagedObjectSize,
      tableWidth,
      startingBlockSize,
      maxDirectBlockSize,
      heapOffsetSize: bytesForBits(maxHeapSizeBits),
      heapLengthSize: Math.min(bytesForBits(maxDirectLog), Math.floor(log2Floor(maxManagedObjectSize) / 8) + 1),
      rootBlockAddress,
      rootRows,
      maxDirectRows: maxDirectLog - startLog + 2,
    };
  }

  /**
   * A cursor over the object with this heap ID. `heapId` must be a view into the file bytes (as
   * the records of a v2 B-tree are), because tiny objects live inside the ID itself.
   */
  objectCursor(heapId: Uint8Array, what: string): Cursor {
    const h = this.header;
    const ctx = this.ctx;
    if (heapId.buffer !== ctx.bytes.buffer) fail(ctx, what, 'heap ID is not a view into the file');
    const idStart = heapId.byteOffset - ctx.bytes.byteOffset;
    const id = new Cursor(ctx, idStart, idStart + heapId.length, `${what}: heap ID`);
    const first = id.u8('heap ID flags');
    if (first >> 6 !== 0) id.fail(`unsupported heap ID version ${first >> 6}`);
    const type = (first >> 4) & 0x03;
    if (type === 2) {
      // Tiny object: stored inside the ID itself.
      const length = (first & 0x0f) + 1;
      return new Cursor(ctx, id.position, id.position + length, what);
    }
    if (type !== 0) id.fail('"huge" fractal heap objects are not supported');
    const offset = id.uint(h.heapOffsetSize, 'heap object offset');
    const length = id.uint(h.heapLengthSize, 'heap object length');
    const start = this.managedObjectStart(offset, length);
    return new Cursor(ctx, start, start + length, what);
  }

  private blockSizeOfRow(row: number): number {
    const h = this.header;
    return row === 0 ? h.startingBlockSize : h.startingBlockSize * 2 ** (row - 1);
  }

  /** Absolute file position of a managed object. */
  private managedObjectStart(offset: number, length: number): number {
    const h = this.header;
    if (h.rootBlockAddress === null) fail(this.ctx, this.what, 'fractal heap is empty but an object was requested');
    let blockAddress = h.rootBlockAddress;
    let blockOffset = 0;
    let blockSize = h.startingBlockSize;
    let rows = h.rootRows;
    // Descend through indirect blocks; each level covers a strictly smaller range, so the depth
    // is bounded by the number of bits in a heap offset.
    for (let depth = 0; rows > 0; depth++) {
      if (depth > 64) fail(this.ctx, this.what, 'fractal heap indirect blocks nest too deep');
      const next = this.childCovering(blockAddress, rows, blockOffset, offset);
      blockAddress = next.address;
      blockOffset = next.offset;
      blockSize = next.size;
      rows = next.rows;
    }
    const block = this.directBlock(blockAddress, blockSize, blockOffset);
    const start = offset - blockOffset;
    if (start < block.headerSize || start + length > blockSize) {
      fail(this.ctx, this.what, `heap object (offset ${offset}, ${length} bytes) lies outside its direct block`);
    }
    return block.start + start;
  }

  private directBlock(address: number, size: number, expectedOffset: number): { start: number; headerSize: number } {
    const h = this.header;
    const c = Cursor.at(this.ctx, address, size, `${this.what}: fractal heap direct block at ${address}`);
    c.signature('FHDB');
    const version = c.u8('direct block version');
    if (version !== 0) c.fail(`unsupported direct block version ${version}`);
    const heapAddress = c.address('heap header address');
    if (heapAddress !== h.address) c.fail('direct block belongs to another heap');
    const blockOffset = c.uint(h.heapOffsetSize, 'block offset');
    if (blockOffset !== expectedOffset) c.fail(`direct block offset ${blockOffset}, expected ${expectedOffset}`);
    if (h.checksumDirectBlocks && !this.verifiedBlocks.has(address)) {
      const checksumAt = c.position;
      const stored = c.u32('direct block checksum');
      // The checksum covers the whole block with the checksum field itself zeroed (on a copy:
      // the caller's bytes are never written).
      const copy = new Uint8Array(this.ctx.bytes.subarray(c.start, c.end));
      copy.fill(0, checksumAt - c.start, checksumAt - c.start + 4);
      if (lookup3(copy) !== stored) c.fail('checksum mismatch: corrupt file');
      this.verifiedBlocks.add(address);
    } else if (h.checksumDirectBlocks) {
      c.skip(4, 'direct block checksum');
    }
    return { start: c.start, headerSize: c.position - c.start };
  }

  /** Finds, in the indirect block at `address`, the child block whose range holds `target`. */
  private childCovering(
    address: number,
    rows: number,
    expectedOffset: number,
    target: number,
  ): { address: number; offset: number; size: number; rows: number } {
    const h = this.header;
    const c = Cursor.toEnd(this.ctx, address, `${this.what}: fractal heap indirect block at ${address}`);
    c.signature('FHIB');
    const version = c.u8('indirect block version');
    if (version !== 0) c.fail(`unsupported indirect block version ${version}`);
    const heapAddress = c.address('heap header address');
    if (heapAddress !== h.address) c.fail('indirect block belongs to another heap');
    const blockOffset = c.uint(h.heapOffsetSize, 'block offset');
    if (blockOffset !== expectedOffset) c.fail(`indirect block offset ${blockOffset}, expected ${expectedOffset}`);
    const directRows = Math.min(rows, h.maxDirectRows);
    const entries = rows * h.tableWidth;
    if (entries > 1 << 20) c.fail(`indirect block with ${rows} rows is implausible`);
    const children: (number | null)[] = [];
    for (let i = 0; i < entries; i++) children.push(c.address('child block address'));
    c.checksum(c.start);
    let offset = expectedOffset;
    for (let row = 0; row < rows; row++) {
      const size = this.blockSizeOfRow(row);
      for (let col = 0; col < h.tableWidth; col++) {
        if (target < offset + size) {
          const child = children[row * h.tableWidth + col]!;
          if (child === null) c.fail(`heap offset ${target} falls in an unallocated block`);
          const childRows = row < directRows ? 0 : Math.log2(size / (h.startingBlockSize * h.tableWidth)) + 1;
          if (!Number.isInteger(childRows) || childRows < 0) c.fail('inconsistent doubling table');
          return { address: child, offset, size, rows: childRows };
        }
        offset += size;
      }
    }
    return c.fail(`heap offset ${target} is beyond the indirect block`);
  }
}
