/**
 * Attributes: small named values attached to a group or dataset (Keras keeps `layer_names`,
 * `weight_names`, `keras_version`, ... there). Compact storage (attribute messages v1/v2/v3 in
 * the object header) and dense storage (fractal heap + v2 B-tree name index) are both read.
 */
import { readBTreeV2Records } from './btree-v2.js';
import { type Cursor, type FileContext } from './cursor.js';
import { parseDataspace, type Dataspace } from './dataspace.js';
import { parseDatatype, type Datatype } from './datatype.js';
import { FractalHeap } from './fractal-heap.js';
import { MessageFlag, MessageType, messageCursor, type ObjectHeader } from './object-header.js';

/** v2 B-tree record type of a dense attribute name index. */
const ATTRIBUTE_NAME_INDEX = 8;

/** An attribute as stored: its description and where its raw value bytes are. */
export interface RawAttribute {
  readonly name: string;
  readonly datatype: Datatype;
  readonly dataspace: Dataspace;
  /** Absolute position and byte length of the raw value. */
  readonly dataStart: number;
  readonly dataLength: number;
}

const pad8 = (n: number): number => Math.ceil(n / 8) * 8;

export function parseAttributeMessage(c: Cursor): RawAttribute {
  const version = c.u8('attribute message version');
  if (version < 1 || version > 3) c.fail(`unsupported attribute message version ${version}`);
  const flags = c.u8(version === 1 ? 'reserved' : 'attribute flags');
  if (version > 1 && flags & 0x03) c.fail('attributes with shared datatypes or dataspaces are not supported');
  const nameSize = c.u16('attribute name size');
  const datatypeSize = c.u16('attribute datatype size');
  const dataspaceSize = c.u16('attribute dataspace size');
  if (version === 3) c.u8('attribute name character set');
  // Version 1 pads each of the three parts to a multiple of 8 bytes.
  const padded = (n: number): number => (version === 1 ? pad8(n) : n);
  const nameBytes = c.bytes(padded(nameSize), 'attribute name');
  const nul = nameBytes.subarray(0, nameSize).indexOf(0);
  const name = new TextDecoder('utf-8').decode(nameBytes.subarray(0, nul < 0 ? nameSize : nul));
  const datatypeStart = c.position;
  const datatype = parseDatatype(c);
  if (c.position > datatypeStart + datatypeSize) c.fail(`datatype of attribute "${name}" overruns its declared size`);
  c.seek(datatypeStart + padded(datatypeSize));
  const dataspaceStart = c.position;
  const dataspace = parseDataspace(c);
  if (c.position > dataspaceStart + dataspaceSize) c.fail(`dataspace of attribute "${name}" overruns its declared size`);
  c.seek(dataspaceStart + padded(dataspaceSize));
  const dataLength = dataspace.size * datatype.size;
  if (dataLength > c.remaining) {
    c.fail(`value of attribute "${name}" (${dataspace.size} × ${datatype.size} bytes) is larger than its message`);
  }
  return { name, datatype, dataspace, dataStart: c.position, dataLength };
}

function readDenseAttributes(ctx: FileContext, c: Cursor, what: string): RawAttribute[] {
  const version = c.u8('attribute info version');
  if (version !== 0) c.fail(`unsupported attribute info version ${version}`);
  const flags = c.u8('attribute info flags');
  if (flags & 0x01) c.skip(2, 'maximum creation index');
  const heapAddress = c.address('attribute fractal heap address');
  const indexAddress = c.address('attribute name index address');
  // No heap: every attribute is a compact attribute message in the header.
  if (heapAddress === null) return [];
  if (indexAddress === null) c.fail('dense attribute storage without a name index');
  const heap = new FractalHeap(ctx, heapAddress, what);
  return readBTreeV2Records(ctx, indexAddress, ATTRIBUTE_NAME_INDEX, what).map((record) => {
    // Record: 8-byte heap ID, message flags, creation order (4), name hash (4).
    if (record.length < 9) c.fail('attribute name index record too short');
    if (record[8]! & MessageFlag.shared) c.fail('shared attribute messages are not supported');
    return parseAttributeMessage(heap.objectCursor(record.subarray(0, 8), `${what}: dense attribute`));
  });
}

/** Every attribute of the object, compact and dense, in storage order. */
export function readRawAttributes(ctx: FileContext, header: ObjectHeader, objectPath: string): RawAttribute[] {
  const what = `attributes of "${objectPath}"`;
  const out: RawAttribute[] = [];
  for (const m of header.messages) {
    if (m.type === MessageType.attribute) {
      const c = messageCursor(ctx, m, `${what}: attribute message`);
      if (m.flags & MessageFlag.shared) c.fail('shared attribute messages are not supported');
      out.push(parseAttributeMessage(c));
    } else if (m.type === MessageType.attributeInfo) {
      out.push(...readDenseAttributes(ctx, messageCursor(ctx, m, `${what}: attribute info message`), what));
    }
  }
  return out;
}
