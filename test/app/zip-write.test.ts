/**
 * The store-only ZIP writer (app/zip-write.ts): read back by the project's own ZIP reader and,
 * where the system has it, by Info-ZIP's unzip, which checks every CRC and offset independently.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeZip } from '../../app/zip-write.js';
import { extractEntry, inflateRawWithStreams, readZipDirectory } from '../../src/models/keras/zip.js';

const files = [
  { name: 'result.json', data: new TextEncoder().encode('{"method":"grad-cam"}\n') },
  { name: 'maps/cam-block2_conv2.npy', data: Uint8Array.from({ length: 1000 }, (_, i) => (i * 37) % 256) },
  { name: 'empty.txt', data: new Uint8Array(0) },
  { name: 'überblick.png', data: new Uint8Array([0x89, 0x50, 0x4e, 0x47]) },
];

describe('writeZip', () => {
  it('writes an archive the ZIP reader lists and extracts byte for byte', async () => {
    const zip = writeZip(files);
    const entries = readZipDirectory(zip, 'test.zip');
    expect(entries.map((e) => e.name)).toEqual(files.map((f) => f.name));
    for (const [i, e] of entries.entries()) {
      expect(e.method).toBe(0);
      expect(await extractEntry(zip, e, inflateRawWithStreams, 'test.zip')).toEqual(files[i]!.data);
    }
  });

  it('is deterministic (fixed timestamps)', () => {
    expect(writeZip(files)).toEqual(writeZip(files));
  });

  it('passes unzip -t and extracts the same bytes', () => {
    if (spawnSync('unzip', ['-v'], { stdio: 'ignore' }).status !== 0) return; // no Info-ZIP here: the reader test above still ran
    const dir = mkdtempSync(join(tmpdir(), 'stieltjes-zip-'));
    try {
      writeFileSync(join(dir, 'a.zip'), writeZip(files));
      const t = spawnSync('unzip', ['-t', join(dir, 'a.zip')], { encoding: 'utf8' });
      expect(t.status, t.stdout + t.stderr).toBe(0);
      expect(spawnSync('unzip', ['-q', join(dir, 'a.zip'), '-d', join(dir, 'out')]).status).toBe(0);
      expect(new Uint8Array(readFileSync(join(dir, 'out', 'maps', 'cam-block2_conv2.npy')))).toEqual(files[1]!.data);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses duplicate names and paths that leave the archive', () => {
    const d = new Uint8Array(1);
    expect(() => writeZip([{ name: 'a', data: d }, { name: 'a', data: d }])).toThrow(/two files are named 'a'/);
    expect(() => writeZip([{ name: '../x', data: d }])).toThrow(/not a relative path/);
    expect(() => writeZip([{ name: '/x', data: d }])).toThrow(/not a relative path/);
  });
});
