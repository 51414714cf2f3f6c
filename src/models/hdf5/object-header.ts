/**
 * Object headers: the list of messages that describe one group, dataset or named datatype.
 * Version 1 (HDF5 1.6 layout, 8-byte aligned messages) and version 2 ("OHDR", checksummed),
 * both following continuation messages into further chunks.
 */
import { Cursor, type FileContext } from './cursor.js';
import { Hdf5Error } from './errors.js';

/** Header message types this reader looks at (HDF5 spec section IV.A.2). */
export const MessageType = {
  nil: 0x0000,
  dataspace: 0x0001,
  linkInfo: 0x0002,
  datatype: 0x0003,
  fillValueOld: 0x0004,
  fillValue: 0x0005,
  link: 0x0006,
  externalFiles: 0x0007,
  dataLayout: 0x0008,
  groupInfo: 0x000a,
  filterPipeline: 0x000b,
  attribute: 0x000c,
  continuation: 0x0010,
  symbolTable: 0x0011,
  attributeInfo: 0x0015,
} as const;

/** Message flag bits. */
export const MessageFlag = {
  shared: 0x02,
  /** "Fail to open the object if this message type is unknown." */
  failIfUnknown: 0x80,
} as const;

export interface HeaderMessage {
  readonly type: number;
  readonly flags: number;
  /** Absolute position of the message body in the file bytes. */
  readonly start: number;
  readonly size: number;
}

export interface ObjectHeader {
  readonly address: number;
  readonly version: 1 | 2;
  readonly messages: readonly HeaderMessage[];
}

/** Upper bound on continuation chunks per object: far above anything a writer produces. */
const MAX_CHUNKS = 4096;

interface PendingChunk {
  readonly address: number;
  readonly length: number;
}

export function readObjectHeader(ctx: FileContext, address: number, objectPath: string): ObjectHeader {
  const what = `object header of "${objectPath}" at ${address}`;
  const first = Cursor.toEnd(ctx, address, what);
  const isV2 = first.remaining >= 4 && String.fromCharCode(...ctx.bytes.subarray(first.position, first.position + 4)) === 'OHDR';
  const messages: HeaderMessage[] = [];
  const pending: PendingChunk[] = [];
  const visited = new Set<number>([address]);
  let declaredCount = -1;

  const onContinuation = (body: Cursor): void => {
    const chunkAddress = body.definedAddress('continuation chunk address');
    const chunkLength = body.length('continuation chunk length');
    if (visited.has(chunkAddress)) body.fail(`continuation chunks form a loop (address ${chunkAddress} seen twice)`);
    visited.add(chunkAddress);
    if (visited.size > MAX_CHUNKS) body.fail(`more than ${MAX_CHUNKS} continuation chunks`);
    pending.push({ address: chunkAddress, length: chunkLength });
  };

  let tracksCreationOrder = false;
  if (isV2) {
    tracksCreationOrder = readV2Prefix(first, messages, onContinuation);
  } else {
    declaredCount = readV1Prefix(first, messages, onContinuation);
  }
  while (pending.length > 0) {
    const chunk = pending.shift()!;
    const c = Cursor.at(ctx, chunk.address, chunk.length, `${what}, continuation chunk at ${chunk.address}`);
    if (isV2) {
      c.signature('OCHK');
      if (c.remaining < 4) c.fail('continuation chunk too small for its checksum');
      const messagesEnd = c.end - 4;
      readV2Messages(c, messagesEnd, tracksCreationOrder, messages, onContinuation);
      c.seek(messagesEnd);
      c.checksum(c.start);
    } else {
      readV1Messages(c, c.end, messages, onContinuation);
    }
  }
  if (declaredCount >= 0 && messages.length !== declaredCount) {
    throw new Hdf5Error(
      `${ctx.sourceName}: ${what}: header declares ${declaredCount} messages but its chunks hold ${messages.length} (corrupt file)`,
      { objectPath, fileOffset: ctx.baseAddress + address },
    );
  }
  return { address, version: isV2 ? 2 : 1, messages: messages.filter((m) => m.type !== MessageType.nil) };
}

function readV1Prefix(c: Cursor, messages: HeaderMessage[], onContinuation: (body: Cursor) => void): number {
  const version = c.u8('object header version');
  if (version !== 1) c.fail(`unsupported object header version ${version} (expected 1, or a v2 "OHDR" header)`);
  c.skip(1);
  const count = c.u16('number of header messages');
  c.skip(4, 'object reference count');
  const size = c.u32('object header size');
  c.skip(4, 'alignment padding'); // messages start 8-byte aligned, 16 bytes after the header start
  const end = c.position + size;
  if (end > c.end) c.fail(`object header size ${size} runs past the end of the file`);
  readV1Messages(c, end, messages, onContinuation);
  return count;
}

function readV1Messages(c: Cursor, end: number, messages: HeaderMessage[], onContinuation: (body: Cursor) => void): void {
  while (end - c.position >= 8) {
    const type = c.u16('message type');
    const size = c.u16('message size');
    const flags = c.u8('message flags');
    c.skip(3);
    const start = c.position;
    if (start + size > end) c.fail(`message of type ${type} (${size} bytes) overruns its header chunk`);
    pushMessage(c, { type, flags, start, size }, messages, onContinuation);
    c.seek(start + size);
  }
}

/** Reads the "OHDR" prefix and chunk 0; returns whether messages carry a creation-order field. */
function readV2Prefix(c: Cursor, messages: HeaderMessage[], onContinuation: (body: Cursor) => void): boolean {
  const headerStart = c.position;
  c.signature('OHDR');
  const version = c.u8('object header version');
  if (version !== 2) c.fail(`unsupported "OHDR" object header version ${version} (expected 2)`);
  const flags = c.u8('object header flags');
  if (flags & 0x20) c.skip(16, 'object times');
  if (flags & 0x10) c.skip(4, 'attribute storage phase change values');
  const chunkSize = c.uint(1 << (flags & 0x03), 'size of chunk 0');
  const messagesEnd = c.position + chunkSize;
  if (messagesEnd + 4 > c.end) c.fail(`chunk 0 size ${chunkSize} runs past the end of the file`);
  // Every message of this header, in every chunk, then carries a 2-byte creation order.
  const tracksCreationOrder = (flags & 0x04) !== 0;
  readV2Messages(c, messagesEnd, tracksCreationOrder, messages, onContinuation);
  c.seek(messagesEnd);
  c.checksum(headerStart);
  return tracksCreationOrder;
}

function readV2Messages(
  c: Cursor,
  end: number,
  tracksCreationOrder: boolean,
  messages: HeaderMessage[],
  onContinuation: (body: Cursor) => void,
): void {
  // Fewer bytes left than a message header: the rest of the chunk is a gap.
  const headerSize = tracksCreationOrder ? 6 : 4;
  while (end - c.position >= headerSize) {
    const type = c.u8('message type');
    const size = c.u16('message size');
    const flags = c.u8('message flags');
    if (tracksCreationOrder) c.skip(2, 'message creation order');
    const start = c.position;
    if (start + size > end) c.fail(`message of type ${type} (${size} bytes) overruns its header chunk`);
    pushMessage(c, { type, flags, start, size }, messages, onContinuation);
    c.seek(start + size);
  }
}

function pushMessage(
  c: Cursor,
  message: HeaderMessage,
  messages: HeaderMessage[],
  onContinuation: (body: Cursor) => void,
): void {
  messages.push(message);
  // Remembered so that no dataset's data may later claim these bytes (see structures.ts).
  c.ctx.structures.add(message.start, message.start + message.size, c.what);
  if (message.type === MessageType.continuation) {
    onContinuation(new Cursor(c.ctx, message.start, message.start + message.size, `${c.what}, continuation message`));
  }
}

/** A cursor over one message's body. */
export function messageCursor(ctx: FileContext, message: HeaderMessage, what: string): Cursor {
  return new Cursor(ctx, message.start, message.start + message.size, what);
}
