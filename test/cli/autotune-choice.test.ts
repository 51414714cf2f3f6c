/** Where the CLI keeps kernel tuning, and when it tunes at all. */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startAutotune, tuningCacheDir, tuningCachePath, wantsAutotune } from '../../src/cli/autotune-choice.js';
import { CpuBackend } from '../../src/kernels/cpu/cpu-backend.js';

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
