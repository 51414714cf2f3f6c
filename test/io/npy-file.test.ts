import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readNpyFile, writeNpyFile } from '../../src/io/npy-file.js';

describe('.npy files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stieltjes-npyfile-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes atomically over an existing file and reads back', async () => {
    const path = join(dir, 'map.npy');
    writeFileSync(path, 'previous contents');
    const data = Float32Array.from({ length: 12 }, (_, i) => i / 3 - 1);
    await writeNpyFile(path, data, [2, 2, 3]);
    const back = await readNpyFile(path);
    expect(back.shape).toEqual([2, 2, 3]);
    expect(Array.from(back.data)).toEqual(Array.from(data));
    expect(readdirSync(dir)).toEqual(['map.npy']); // no temporary file left behind
  });

  it('names the path in errors and leaves nothing behind on failure', async () => {
    await expect(readNpyFile(join(dir, 'missing.npy'))).rejects.toThrow(/cannot read \.npy file .*missing\.npy/);
    await expect(writeNpyFile(join(dir, 'nope', 'a.npy'), new Float32Array(1), [1])).rejects.toThrow(/cannot write .*a\.npy/);
    await expect(writeNpyFile(join(dir, 'bad.npy'), new Float32Array(2), [3])).rejects.toThrow(/encodeNpy: shape \[3\]/);
    writeFileSync(join(dir, 'junk.npy'), 'junk');
    await expect(readNpyFile(join(dir, 'junk.npy'))).rejects.toThrow(/junk\.npy: not a readable \.npy file/);
    expect(readdirSync(dir).sort()).toEqual(['junk.npy', 'map.npy']);
  });
});
