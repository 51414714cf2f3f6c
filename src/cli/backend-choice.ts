/** --backend auto|cpu|wasm|webgpu for the commands: the library's selectBackend, with CLI errors. */
import type { Backend } from '../kernels/backend.js';
import { selectBackend, type BackendChoice } from '../kernels/select-backend.js';
import { intFlag } from './args.js';
import { CliError } from './errors.js';

export { BACKEND_CHOICES, type BackendChoice } from '../kernels/select-backend.js';

/** The most threads --threads accepts (a typo such as 80000 would otherwise start that many workers). */
export const MAX_THREADS = 256;

/** `--threads N` for the WebAssembly backend: checked here so that every command says the same. */
export function threadsFlag(command: string, raw: unknown): number | undefined {
  return raw === undefined ? undefined : intFlag(command, 'threads', raw as string, 1, [1, MAX_THREADS]);
}

export async function chooseBackend(choice: BackendChoice, say: (line: string) => void, threads?: number): Promise<Backend> {
  try {
    // The CPU needs no announcement on the command line; WebGPU and fallbacks do.
    const report = (line: string): void => {
      if (choice !== 'cpu') say(line);
    };
    return await selectBackend(choice, report, threads === undefined ? {} : { threads });
  } catch (e) {
    throw new CliError(`--backend ${choice}: ${(e as Error).message}`);
  }
}

