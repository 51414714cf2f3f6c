/** --backend auto|cpu|webgpu for the commands: the library's selectBackend, with CLI errors. */
import type { Backend } from '../kernels/backend.js';
import { selectBackend, type BackendChoice } from '../kernels/select-backend.js';
import type { TuningReport } from '../kernels/webgpu/gemm-autotune.js';
import { CliError } from './errors.js';

export { BACKEND_CHOICES, type BackendChoice } from '../kernels/select-backend.js';

export async function chooseBackend(choice: BackendChoice, say: (line: string) => void): Promise<Backend> {
  try {
    // The CPU needs no announcement on the command line; WebGPU and fallbacks do.
    return await selectBackend(choice, (line) => {
      if (choice !== 'cpu') say(line);
    });
  } catch (e) {
    throw new CliError(`--backend ${choice}: ${(e as Error).message}`);
  }
}

export const AUTOTUNE_CHOICES = ['auto', 'on', 'off'] as const;
export type AutotuneChoice = (typeof AUTOTUNE_CHOICES)[number];

export const AUTOTUNE_HELP = `--autotune auto|on|off  time kernel variants on the first batch and keep the fastest
                          (WebGPU; default auto: on for a GPU, off for software adapters
                          such as llvmpipe, where it costs more than it saves)`;

/** Whether to autotune (--autotune): 'auto' tunes on a WebGPU adapter that is a real GPU. */
export function wantsAutotune(choice: AutotuneChoice, backend: Backend): boolean {
  if (choice === 'auto') return backend.info().name === 'webgpu' && backend.info().softwareAdapter !== true;
  return choice === 'on';
}

/** The part of a tuning report worth keeping in result.json and saying on the command line. */
export function autotuneSummary(r: TuningReport): { kernels: number; changed: number; seconds: number; choices: Record<string, string> } {
  return {
    kernels: r.problems.length,
    changed: r.changed,
    seconds: Math.round(r.ms) / 1000,
    choices: Object.fromEntries(r.problems.filter((p) => p.chosen !== 'auto').map((p) => [p.key, p.chosen])),
  };
}
