/** --backend auto|cpu|wasm|webgpu for the commands: the library's selectBackend, with CLI errors. */
import type { Backend } from '../kernels/backend.js';
import { selectBackend, type BackendChoice } from '../kernels/select-backend.js';
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

