/** Where the CLI keeps kernel tuning, when it tunes at all, and what it does with an old cache. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startAutotune, tuningCacheDir, tuningCachePath, wantsAutotune } from '../../src/cli/autotune-choice.js';
import type { Backend } from '../../src/kernels/backend.js';
import { CpuBackend } from '../../src/kernels/cpu/cpu-backend.js';
import type { GemmChoice } from '../../src/kernels/webgpu/gemm-choice.js';
import { gemmTuningTable, readGemmTuningTable } from '../../src/kernels/webgpu/gemm-tuning-table.js';
import { VERSION } from '../../src/version.js';

it('keeps the cache in $STIELTJES_CACHE_DIR, else $XDG_CACHE_HOME/stieltjes, else ~/.cache/stieltjes', () => {
  expect(tuningCacheDir({ STIELTJES_CACHE_DIR: '/a', XDG_CACHE_HOME: '/b' })).toBe('/a');
  expect(tuningCacheDir({ XDG_CACHE_HOME: '/b' })).toBe(join('/b', 'stieltjes'));
  expect(tuningCacheDir({})).toBe(join(homedir(), '.cache', 'stieltjes'));
});

it('names one cache file per adapter, readable and distinct even where names share a prefix', () => {
  const a = tuningCachePath('nvidia nvidia-h200 (NVIDIA: 580.159.04) via vulkan', '/c');
  const b = tuningCachePath('nvidia nvidia-h200 (NVIDIA: 580.160.01) via vulkan', '/c');
  expect(a).toMatch(/^\/c\/tuning-nvidia-nvidia-h200-nvidia-580-159-04-via-[0-9a-f]{12}\.json$/);
  expect(b).not.toBe(a);
  expect(tuningCachePath('nvidia nvidia-h200 (NVIDIA: 580.159.04) via vulkan', '/c')).toBe(a);
});

it('never tunes the CPU backend, whatever the flag says', async () => {
  const cpu = new CpuBackend();
  for (const choice of ['auto', 'on', 'off'] as const) {
    expect(wantsAutotune(choice, cpu)).toBe(false);
    expect(await startAutotune(choice, cpu, () => {})).toBeNull();
  }
});

/** A backend with WebGpuBackend's tuning contract (useTuning reads tables as it does), no device. */
function tunableBackend(adapter: string): Backend & { adopted: Map<string, GemmChoice> } {
  const adopted = new Map<string, GemmChoice>();
  return {
    adopted,
    info: () => ({ name: 'webgpu', adapter, softwareAdapter: false }),
    autotune: async () => ({ problems: [], changed: 0, ms: 0 }),
    tuning: () => gemmTuningTable(Object.fromEntries(adopted)),
    useTuning(table: unknown) {
      const read = readGemmTuningTable(table);
      if ('ignored' in read) return read.ignored;
      for (const [k, c] of read.choices) adopted.set(k, c);
      return undefined;
    },
  } as unknown as Backend & { adopted: Map<string, GemmChoice> };
}

it('ignores an older cache with a one-line notice, never an error, and adopts a current one', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'stieltjes-tuning-'));
  const saved = process.env.STIELTJES_CACHE_DIR;
  process.env.STIELTJES_CACHE_DIR = dir;
  try {
    const adapter = 'test gpu via vulkan';
    const path = tuningCachePath(adapter, dir);
    const key = 'matmul [1,64,64] [1,64,64]';
    const say = async (file: unknown) => {
      await writeFile(path, JSON.stringify(file));
      const lines: string[] = [];
      const backend = tunableBackend(adapter);
      const started = await startAutotune('on', backend, (l) => lines.push(l));
      expect(started).not.toBeNull();
      return { lines, backend, summary: () => started!.finish() };
    };
    // This release's file, but a table from before tables had versions ({ key: knob string }).
    const old = await say({ stieltjes: VERSION, adapter, tuning: { [key]: 'tiled:32:0' } });
    expect(old.lines).toEqual([`kernel tuning: ignoring ${path}: a tuning table from an older release (no version)`]);
    expect(old.backend.adopted.size).toBe(0);
    expect(await old.summary()).toMatchObject({ cached: 0, choices: {} });
    // A file written by another release is ignored too, saying so.
    const other = await say({ stieltjes: '0.0.1', adapter, tuning: gemmTuningTable({}) });
    expect(other.lines).toHaveLength(1);
    expect(other.lines[0]).toMatch(/^kernel tuning: ignoring .*: written by stieltjes 0\.0\.1, this is /);
    // A current one is adopted.
    const direct: GemmChoice = { family: 'direct' };
    const current = await say({ stieltjes: VERSION, adapter, tuning: gemmTuningTable({ [key]: direct }) });
    expect(current.lines).toEqual([`kernel tuning: 1 shapes from ${path}`]);
    expect(current.backend.adopted.get(key)).toEqual(direct);
    // result.json's summary counts shapes (not the table's fields) and lists the non-default choices.
    expect(await current.summary()).toMatchObject({ cached: 1, choices: { [key]: direct } });
  } finally {
    if (saved === undefined) delete process.env.STIELTJES_CACHE_DIR;
    else process.env.STIELTJES_CACHE_DIR = saved;
    await rm(dir, { recursive: true, force: true });
  }
});
