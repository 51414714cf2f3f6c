/**
 * The superblock: where the file starts, how wide addresses are, and where the root group is.
 * Versions 0 and 1 (HDF5 1.6-style, what Keras files use) and 2/3 (1.8+/1.10+, checksummed).
 */
import { Cursor, type FileContext } from './cursor.js';
import { Hdf5Error } from './errors.js';
import { StructureRanges } from './structures.js';

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]; // \x89HDF\r\n\x1a\n

export interface Superblock {
  readonly version: number;
  readonly ctx: FileContext;
  /** Relative address of the root group's object header. */
  readonly rootObjectAddress: number;
  /** Relative end-of-file address the writer recorded. */
  readonly eofAddress: number;
}

/**
 * The superblock may sit after a user block at 0, 512, 1024, 2048, ... bytes.
 * Returns the absolute position of the signature.
 */
function findSignature(bytes: Uint8Array, sourceName: string): number {
  for (let pos = 0; pos + SIGNATURE.length <= bytes.length; pos = pos === 0 ? 512 : pos * 2) {
    if (SIGNATURE.every((b, i) => bytes[pos + i] === b)) return pos;
  }
  throw new Hdf5Error(`${sourceName}: not an HDF5 file (no HDF5 signature at offset 0, 512, 1024, ...)`, {
    fileOffset: 0,
  });
}

function checkSize(size: number, field: string, sourceName: string): void {
  if (size !== 2 && size !== 4 && size !== 8) {
    throw new Hdf5Error(`${sourceName}: superblock ${field} is ${size}; only 2, 4 or 8 are valid`);
  }
}

export function readSuperblock(bytes: Uint8Array, sourceName: string): Superblock {
  const sigPos = findSignature(bytes, sourceName);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const structures = new StructureRanges();
  // A provisional context with 8-byte fields lets the cursor read the fixed-size prefix.
  const probe: FileContext = { bytes, view, offsetSize: 8, lengthSize: 8, baseAddress: 0, sourceName, structures };
  const head = new Cursor(probe, sigPos + SIGNATURE.length, bytes.length, 'superblock');
  const version = head.u8('superblock version');

  if (version === 0 || version === 1) {
    head.skip(3); // free-space, root symbol-table-entry and reserved version bytes
    head.skip(1); // shared header message format version
    const offsetSize = head.u8('size of offsets');
    const lengthSize = head.u8('size of lengths');
    checkSize(offsetSize, 'size of offsets', sourceName);
    checkSize(lengthSize, 'size of lengths', sourceName);
    head.skip(1);
    head.skip(4); // group leaf / internal node K
    head.skip(4); // file consistency flags
    if (version === 1) head.skip(4); // indexed storage internal node K + reserved
    const ctx: FileContext = { bytes, view, offsetSize, lengthSize, baseAddress: sigPos, sourceName, structures };
    const c = new Cursor(ctx, head.position, bytes.length, 'superblock');
    c.address('base address');
    c.address('free-space info address');
    const eofAddress = c.definedAddress('end-of-file address');
    c.address('driver information block address');
    // Root group symbol table entry: link name offset, object header address, cache type, ...
    c.address('root link name offset');
    const rootObjectAddress = c.definedAddress('root group object header address');
    c.skip(4 + 4 + 16, 'root symbol table entry');
    structures.add(sigPos, c.position, 'the superblock');
    return finish({ version, ctx, rootObjectAddress, eofAddress });
  }

  if (version === 2 || version === 3) {
    const offsetSize = head.u8('size of offsets');
    const lengthSize = head.u8('size of lengths');
    checkSize(offsetSize, 'size of offsets', sourceName);
    checkSize(lengthSize, 'size of lengths', sourceName);
    head.skip(1); // file consistency flags
    const ctx: FileContext = { bytes, view, offsetSize, lengthSize, baseAddress: sigPos, sourceName, structures };
    const c = new Cursor(ctx, head.position, bytes.length, 'superblock');
    c.address('base address');
    c.address('superblock extension address');
    const eofAddress = c.definedAddress('end-of-file address');
    const rootObjectAddress = c.definedAddress('root group object header address');
    c.checksum(sigPos);
    structures.add(sigPos, c.position, 'the superblock');
    return finish({ version, ctx, rootObjectAddress, eofAddress });
  }

  throw new Hdf5Error(`${sourceName}: unsupported superblock version ${version} (supported: 0, 1, 2, 3)`, {
    fileOffset: sigPos + 8,
  });
}

function finish(sb: Superblock): Superblock {
  const { ctx } = sb;
  const needed = ctx.baseAddress + sb.eofAddress;
  if (needed > ctx.bytes.length) {
    throw new Hdf5Error(
      `${ctx.sourceName}: file is truncated: the superblock records ${needed} bytes but only ${ctx.bytes.length} are present`,
    );
  }
  return sb;
}
