/**
 * New-style groups (HDF5 1.8+): links stored as link messages in the object header ("compact")
 * or, past 8 links by default, in a fractal heap indexed by a v2 B-tree of name hashes
 * ("dense"). Also dispatches to old-style symbol-table groups, so callers see one function.
 */
import { readBTreeV2Records } from './btree-v2.js';
import { type Cursor, fail, type FileContext } from './cursor.js';
import { FractalHeap } from './fractal-heap.js';
import { decodeName, type Link } from './link.js';
import { MessageType, messageCursor, type ObjectHeader } from './object-header.js';
import { readSymbolTableLinks } from './symbol-table.js';

/** v2 B-tree record type of a dense group's link-name index. */
const LINK_NAME_INDEX = 5;

/** Decodes one link message body (from an object header or from a fractal heap object). */
export function parseLinkMessage(c: Cursor): Link {
  const version = c.u8('link message version');
  if (version !== 1) c.fail(`unsupported link message version ${version}`);
  const flags = c.u8('link flags');
  const linkType = flags & 0x08 ? c.u8('link type') : 0;
  if (flags & 0x04) c.skip(8, 'link creation order');
  if (flags & 0x10) c.u8('link name character set');
  const nameLength = c.uint(1 << (flags & 0x03), 'link name length');
  if (nameLength === 0) c.fail('link with an empty name');
  const name = decodeName(c.bytes(nameLength, 'link name'));
  if (linkType === 0) return { name, kind: 'hard', address: c.definedAddress(`address of link "${name}"`) };
  if (linkType === 1) {
    const length = c.u16('soft link length');
    return { name, kind: 'soft', target: decodeName(c.bytes(length, 'soft link value')) };
  }
  if (linkType === 64) return { name, kind: 'external' };
  return c.fail(`link "${name}" has unknown link type ${linkType}`);
}

function readDenseLinks(ctx: FileContext, heapAddress: number, indexAddress: number, what: string): Link[] {
  const heap = new FractalHeap(ctx, heapAddress, what);
  const records = readBTreeV2Records(ctx, indexAddress, LINK_NAME_INDEX, what);
  return records.map((record) => {
    // Record: 4-byte name hash, then the heap ID of the link message.
    return parseLinkMessage(heap.objectCursor(record.subarray(4), `${what}: dense link`));
  });
}

/**
 * All links of the group whose object header is `header`, or `null` when the object is not a
 * group (no symbol table, link info or link messages).
 */
export function readGroupLinks(ctx: FileContext, header: ObjectHeader, groupPath: string): Link[] | null {
  const what = `group "${groupPath}"`;
  let isGroup = false;
  const links: Link[] = [];
  for (const m of header.messages) {
    if (m.type === MessageType.symbolTable) {
      isGroup = true;
      const c = messageCursor(ctx, m, `${what}: symbol table message`);
      const btree = c.definedAddress('v1 B-tree address');
      const heap = c.definedAddress('local heap address');
      links.push(...readSymbolTableLinks(ctx, btree, heap, groupPath));
    } else if (m.type === MessageType.link) {
      isGroup = true;
      links.push(parseLinkMessage(messageCursor(ctx, m, `${what}: link message`)));
    } else if (m.type === MessageType.linkInfo) {
      isGroup = true;
      const c: Cursor = messageCursor(ctx, m, `${what}: link info message`);
      const version = c.u8('link info version');
      if (version !== 0) c.fail(`unsupported link info version ${version}`);
      const flags = c.u8('link info flags');
      if (flags & 0x01) c.skip(8, 'maximum creation index');
      const heapAddress = c.address('fractal heap address');
      const indexAddress = c.address('name index address');
      // An undefined heap address means the links are compact: link messages in this header.
      if (heapAddress !== null) {
        if (indexAddress === null) c.fail('dense group without a name index');
        links.push(...readDenseLinks(ctx, heapAddress, indexAddress, what));
      }
    }
  }
  if (!isGroup) return null;
  const seen = new Set<string>();
  for (const link of links) {
    if (seen.has(link.name)) {
      fail(ctx, what, `link name "${link.name}" appears twice (corrupt group)`);
    }
    seen.add(link.name);
  }
  return links;
}
