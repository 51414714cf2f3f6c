/**
 * A store-only ZIP writer (no compression): enough to hand a browser user every file of an
 * explanation as one download. The maps are float32 arrays and PNGs, which deflate barely
 * shrinks, so storing keeps the writer tiny and synchronous. Browser-safe. The format is
 * PKWARE's APPNOTE: a local header before each file, a central directory after the last, and
 * the end-of-central-directory record; no ZIP64, so under 65 535 files and 4 GiB in all.
 */
import { crc32 } from '../src/models/keras/crc32.js';

export interface ZipEntry {
  /** Path inside the archive, '/'-separated, no leading '/'. */
  name: string;
  data: Uint8Array;
}

/** DOS date/time of 1980-01-01 00:00: fixed, so the same files give the same bytes. */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
/** Bit 11: names are UTF-8. */
const FLAG_UTF8 = 0x0800;
const LIMIT = 0xffffffff;

/** The archive's bytes, entries in the order given. */
export function writeZip(entries: readonly ZipEntry[]): Uint8Array {
  if (entries.length > 0xffff) throw new Error(`writeZip: ${entries.length} files; a ZIP without ZIP64 holds at most 65535`);
  const enc = new TextEncoder();
  const seen = new Set<string>();
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    if (!e.name || e.name.startsWith('/') || e.name.split('/').includes('..')) throw new Error(`writeZip: '${e.name}' is not a relative path inside the archive`);
    if (seen.has(e.name)) throw new Error(`writeZip: two files are named '${e.name}'`);
    seen.add(e.name);
    const name = enc.encode(e.name);
    const crc = crc32(e.data);
    const size = e.data.length;
    if (size >= LIMIT || offset >= LIMIT) throw new Error(`writeZip: '${e.name}' does not fit a ZIP without ZIP64 (4 GiB)`);
    const local = new Uint8Array(30 + name.length + size);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true); // version needed: 2.0
    lv.setUint16(6, FLAG_UTF8, true);
    lv.setUint16(8, 0, true); // method: stored
    lv.setUint16(10, DOS_TIME, true);
    lv.setUint16(12, DOS_DATE, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, size, true);
    lv.setUint32(22, size, true);
    lv.setUint16(26, name.length, true);
    lv.setUint16(28, 0, true);
    local.set(name, 30);
    local.set(e.data, 30 + name.length);
    const central = new Uint8Array(46 + name.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true); // made by: 2.0, MS-DOS attributes
    cv.setUint16(6, 20, true);
    cv.setUint16(8, FLAG_UTF8, true);
    cv.setUint16(10, 0, true);
    cv.setUint16(12, DOS_TIME, true);
    cv.setUint16(14, DOS_DATE, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, size, true);
    cv.setUint32(24, size, true);
    cv.setUint16(28, name.length, true);
    // extra, comment, disk number, internal and external attributes: all zero
    cv.setUint32(42, offset, true);
    central.set(name, 46);
    locals.push(local);
    centrals.push(central);
    offset += local.length;
  }
  const centralSize = centrals.reduce((s, c) => s + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, centralSize, true);
  ev.setUint32(16, offset, true);
  const out = new Uint8Array(offset + centralSize + end.length);
  let at = 0;
  for (const part of [...locals, ...centrals, end]) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
