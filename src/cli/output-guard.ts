/**
 * The command line's hold on an output (--out): the lock that keeps two runs from writing one
 * output at once, taken after the inputs are checked and before any backend starts, and the
 * removal of what a killed run left beside it. See src/io/output-lock.ts.
 */
import { lockOutput, OutputBusyError, removeStaleTemporaries, type OutputLock } from '../io/output-lock.js';
import { CliError } from './errors.js';

export async function holdOutput(out: string): Promise<OutputLock> {
  let lock: OutputLock;
  try {
    lock = await lockOutput(out);
  } catch (e) {
    if (e instanceof OutputBusyError) throw new CliError(e.message);
    throw new CliError(`--out ${out}: ${(e as Error).message}`);
  }
  try {
    await removeStaleTemporaries(out);
  } catch (e) {
    await lock.release();
    throw new CliError(`--out ${out}: ${(e as Error).message}`);
  }
  return lock;
}
