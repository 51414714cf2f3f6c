/**
 * Writing a command's outputs with nothing half-written: files go to a temporary folder beside
 * the destination and are moved into place only when all of them are complete.
 */
import { mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';
import { CliError } from './errors.js';

export class OutputDir {
  private constructor(
    readonly dest: string,
    private readonly tmp: string,
    private readonly names: string[] = [],
  ) {}

  static async create(dest: string, flag = '--out'): Promise<OutputDir> {
    const abs = resolve(dest);
    const st = await stat(abs).catch(() => null);
    if (st && !st.isDirectory()) throw new CliError(`${flag} ${dest}: exists and is not a directory`, 2);
    const parent = dirname(abs);
    await mkdir(parent, { recursive: true }).catch((e: Error) => {
      throw new CliError(`${flag} ${dest}: cannot create ${parent}: ${e.message}`);
    });
    const tmp = await mkdtemp(join(parent, `.${basename(abs)}.partial-`)).catch((e: Error) => {
      throw new CliError(`${flag} ${dest}: cannot write in ${parent}: ${e.message}`);
    });
    return new OutputDir(abs, tmp);
  }

  async write(name: string, bytes: Uint8Array): Promise<void> {
    await writeFileAtomic(join(this.tmp, name), bytes);
    this.names.push(name);
  }

  /** Moves every file into the destination (created if needed). */
  async commit(): Promise<string[]> {
    await mkdir(this.dest, { recursive: true });
    for (const n of this.names) await rename(join(this.tmp, n), join(this.dest, n));
    await rm(this.tmp, { recursive: true, force: true });
    return this.names.map((n) => join(this.dest, n));
  }

  async abandon(): Promise<void> {
    await rm(this.tmp, { recursive: true, force: true });
  }

  /** Files already in the destination (for messages). */
  async existing(): Promise<string[]> {
    return readdir(this.dest).catch(() => []);
  }
}
