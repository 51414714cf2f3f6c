/**
 * Version 2 B-trees ("BTHD"/"BTIN"/"BTLF"): the name indexes of dense groups (record type 5)
 * and dense attribute storage (type 8). The reader only needs every record, so it walks the
 * whole tree; records are returned as raw byte views for the caller to decode.
 */
import { Cursor, fail, type FileContext } from './cursor.js';

/** Signature + version + type + checksum around every node's records. */
const NODE_OVERHEAD = 10;

/** Bytes needed to store the count n, as HDF5 sizes these fields: floor(log2(n)) / 8 + 1. */
function countFieldSize(n: number): number {
  return Math.floor((n < 1 ? 0 : Math.floor(Math.log2(n))) / 8) + 1;
}

export function readBTreeV2Records(ctx: FileContext, address: number, expectedType: number, what: string): Uint8Array[] {
  const h = Cursor.toEnd(ctx, address, `${what}: v2 B-tree header at ${address}`);
  h.signature('BTHD');
  const version = h.u8('v2 B-tree version');
  if (version !== 0) h.fail(`unsupported v2 B-tree version ${version}`);
  const type = h.u8('v2 B-tree type');
  if (type !== expectedType) h.fail(`expected a v2 B-tree of type ${expectedType}, found type ${type}`);
  const nodeSize = h.u32('node size');
  const recordSize = h.u16('record size');
  const depth = h.u16('depth');
  h.skip(2, 'split/merge percents');
  const rootAddress = h.address('root node address');
  const rootRecords = h.u16('records in root node');
  const totalRecords = h.length('total records');
  h.checksum(h.start);
  if (rootAddress === null || totalRecords === 0) return [];
  if (recordSize === 0 || nodeSize <= NODE_OVERHEAD) h.fail(`invalid node size ${nodeSize} / record size ${recordSize}`);
  if (depth > 32) h.fail(`v2 B-tree depth ${depth} is implausible`);

  // Per-level limits, computed as the writer does: they fix the width of the child-count fields.
  const leafMax = Math.floor((nodeSize - NODE_OVERHEAD) / recordSize);
  const maxRecordsSize = countFieldSize(leafMax);
  const cumulativeMax: number[] = [leafMax];
  const cumulativeMaxSize: number[] = [0];
  for (let d = 1; d <= depth; d++) {
    const pointerSize = ctx.offsetSize + maxRecordsSize + (d > 1 ? cumulativeMaxSize[d - 1]! : 0);
    const nodeMax = Math.floor((nodeSize - NODE_OVERHEAD - pointerSize) / (recordSize + pointerSize));
    if (nodeMax < 1) h.fail(`node size ${nodeSize} cannot hold an internal node`);
    const cum = (nodeMax + 1) * cumulativeMax[d - 1]! + nodeMax;
    cumulativeMax.push(cum);
    cumulativeMaxSize.push(countFieldSize(Math.min(cum, Number.MAX_SAFE_INTEGER)));
  }

  const records: Uint8Array[] = [];
  const visited = new Set<number>();
  const walk = (nodeAddress: number, nodeDepth: number, count: number): void => {
    if (visited.has(nodeAddress)) fail(ctx, what, `v2 B-tree node at ${nodeAddress} is referenced twice`);
    visited.add(nodeAddress);
    const leaf = nodeDepth === 0;
    const c = Cursor.at(ctx, nodeAddress, nodeSize, `${what}: v2 B-tree ${leaf ? 'leaf' : 'internal'} node at ${nodeAddress}`);
    c.signature(leaf ? 'BTLF' : 'BTIN');
    const nodeVersion = c.u8('node version');
    if (nodeVersion !== 0) c.fail(`unsupported v2 B-tree node version ${nodeVersion}`);
    const nodeType = c.u8('node type');
    if (nodeType !== type) c.fail(`node type ${nodeType} differs from the tree type ${type}`);
    const nodeRecords: Uint8Array[] = [];
    for (let i = 0; i < count; i++) nodeRecords.push(c.bytes(recordSize, 'record'));
    const children: { address: number; count: number }[] = [];
    if (!leaf) {
      for (let i = 0; i <= count; i++) {
        const child = c.definedAddress('child node address');
        const childCount = c.uint(maxRecordsSize, 'child record count');
        if (nodeDepth > 1) c.uint(cumulativeMaxSize[nodeDepth - 1]!, 'child total record count');
        children.push({ address: child, count: childCount });
      }
    }
    c.checksum(c.start);
    // In-order: child 0, record 0, child 1, record 1, ..., child n.
    for (let i = 0; i <= count; i++) {
      const child = children[i];
      if (child) walk(child.address, nodeDepth - 1, child.count);
      const record = nodeRecords[i];
      if (record) records.push(record);
    }
  };
  walk(rootAddress, depth, rootRecords);
  if (records.length !== totalRecords) {
    fail(ctx, what, `v2 B-tree holds ${records.length} records but its header says ${totalRecords} (corrupt file)`);
  }
  return records;
}
