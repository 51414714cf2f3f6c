/**
 * Old-style groups (what every Keras file uses): a version 1 B-tree ("TREE") whose leaves are
 * symbol table nodes ("SNOD"), with link names stored in a local heap ("HEAP").
 */
import { Cursor, fail, type FileContext } from './cursor.js';
import { decodeName, type Link } from './link.js';

/** B-trees this deep would index more entries than a file can hold. */
const MAX_BTREE_LEVEL = 64;

interface LocalHeap {
  readonly dataStart: number;
  readonly dataEnd: number;
}

function readLocalHeap(ctx: FileContext, address: number, what: string): LocalHeap {
  const c = Cursor.toEnd(ctx, address, `${what}: local heap at ${address}`);
  c.signature('HEAP');
  const version = c.u8('local heap version');
  if (version !== 0) c.fail(`unsupported local heap version ${version}`);
  c.skip(3);
  const dataSize = c.length('local heap data size');
  // Free-list offset: not needed, and "undefined" (all ones) when the heap has no free block.
  c.skip(ctx.lengthSize, 'local heap free list offset');
  const dataAddress = c.definedAddress('local heap data address');
  const data = Cursor.at(ctx, dataAddress, dataSize, `${what}: local heap data at ${dataAddress}`);
  // Remembered so that no dataset's data may later claim these bytes (see structures.ts).
  ctx.structures.add(c.start, c.position, `the local heap of ${what}`);
  ctx.structures.add(data.start, data.end, `the local heap of ${what}`);
  return { dataStart: data.start, dataEnd: data.end };
}

/** The NUL-terminated string at `offset` in the heap's data segment. */
function heapString(ctx: FileContext, heap: LocalHeap, offset: number, what: string): string {
  const c = new Cursor(ctx, heap.dataStart, heap.dataEnd, `${what}: local heap`);
  if (offset >= heap.dataEnd - heap.dataStart) c.fail(`name offset ${offset} is outside the heap`);
  const start = heap.dataStart + offset;
  const nul = ctx.bytes.subarray(start, heap.dataEnd).indexOf(0);
  if (nul < 0) c.fail(`name at offset ${offset} is not NUL-terminated`);
  return decodeName(ctx.bytes.subarray(start, start + nul));
}

/**
 * All links of an old-style group.
 * @param btreeAddress, heapAddress the two fields of the group's symbol table message
 */
export function readSymbolTableLinks(ctx: FileContext, btreeAddress: number, heapAddress: number, groupPath: string): Link[] {
  const what = `group "${groupPath}"`;
  const heap = readLocalHeap(ctx, heapAddress, what);
  const links: Link[] = [];
  const visited = new Set<number>();
  const stack: { address: number; level: number | null }[] = [{ address: btreeAddress, level: null }];
  while (stack.length > 0) {
    const { address, level: expectedLevel } = stack.pop()!;
    if (visited.has(address)) {
      fail(ctx, what, `B-tree node at ${address} is referenced twice (corrupt group)`);
    }
    visited.add(address);
    const c = Cursor.toEnd(ctx, address, `${what}: B-tree node at ${address}`);
    c.signature('TREE');
    const nodeType = c.u8('B-tree node type');
    if (nodeType !== 0) c.fail(`expected a group B-tree node (type 0), found type ${nodeType}`);
    const level = c.u8('B-tree node level');
    if (level > MAX_BTREE_LEVEL) c.fail(`B-tree level ${level} is implausible`);
    if (expectedLevel !== null && level !== expectedLevel) {
      c.fail(`B-tree node has level ${level}, its parent expects ${expectedLevel}`);
    }
    const entries = c.u16('B-tree entries used');
    c.address('left sibling');
    c.address('right sibling');
    const children: number[] = [];
    c.length('B-tree key');
    for (let i = 0; i < entries; i++) {
      children.push(c.definedAddress('B-tree child address'));
      c.length('B-tree key');
    }
    ctx.structures.add(c.start, c.position, `a B-tree node of ${what}`);
    if (level > 0) {
      // Reverse so that popping visits children left to right: links come out in name order.
      for (let i = children.length - 1; i >= 0; i--) stack.push({ address: children[i]!, level: level - 1 });
    } else {
      for (const snod of children) {
        if (visited.has(snod)) c.fail(`symbol table node at ${snod} is referenced twice (corrupt group)`);
        visited.add(snod);
        readSymbolTableNode(ctx, snod, heap, what, links);
      }
    }
  }
  return links;
}

function readSymbolTableNode(ctx: FileContext, address: number, heap: LocalHeap, what: string, links: Link[]): void {
  const c: Cursor = Cursor.toEnd(ctx, address, `${what}: symbol table node at ${address}`);
  c.signature('SNOD');
  const version = c.u8('symbol table node version');
  if (version !== 1) c.fail(`unsupported symbol table node version ${version}`);
  c.skip(1);
  const count = c.u16('number of symbols');
  for (let i = 0; i < count; i++) {
    const nameOffset = c.uint(ctx.offsetSize, 'link name offset');
    const objectAddress = c.address('object header address');
    const cacheType = c.u32('cache type');
    c.skip(4);
    const scratch = c.position;
    c.skip(16, 'scratch pad');
    const name = heapString(ctx, heap, nameOffset, what);
    if (cacheType === 2) {
      // Soft link: the scratch pad holds the offset of the link value in the local heap.
      const valueOffset = ctx.view.getUint32(scratch, true);
      links.push({ name, kind: 'soft', target: heapString(ctx, heap, valueOffset, what) });
    } else {
      if (objectAddress === null) c.fail(`link "${name}" has an undefined object address`);
      links.push({ name, kind: 'hard', address: objectAddress });
    }
  }
  ctx.structures.add(c.start, c.position, `a symbol table node of ${what}`);
}
