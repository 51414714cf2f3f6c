/** Subcommand dispatch, --help and --version. */
import { VERSION } from '../version.js';
import '../default-backend.js'; // the CPU is the default backend, as for a library user
import type { Command } from './command.js';
import { CliError } from './errors.js';

export { CliError } from './errors.js';

export function helpText(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length), 8);
  return [
    `stieltjes ${VERSION}: explain image classifiers with Integrated Gradients, Grad-CAM and RSI-Grad-CAM`,
    '',
    'Usage: stieltjes <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    '  --help, -h     show help (also: stieltjes <command> --help)',
    '  --version, -v  print the version',
    '',
  ].join('\n');
}

export async function runCli(argv: string[]): Promise<number> {
  // Loaded on demand: `--version` need not load every command's dependencies.
  const { commands } = await import('./commands.js');
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const target = first === 'help' ? commands.find((c) => c.name === rest[0]) : undefined;
    process.stdout.write(target ? `${target.usage}\n` : helpText(commands));
    return 0;
  }
  if (first === '--version' || first === '-v') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const cmd = commands.find((c) => c.name === first);
  if (!cmd) throw new CliError(`unknown command '${first}'; commands: ${commands.map((c) => c.name).join(', ')} (see stieltjes --help)`, 2);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${cmd.usage}\n`);
    return 0;
  }
  return cmd.run(rest);
}

/**
 * `runCli` as the command runs it: an error becomes one line on stderr ("stieltjes: …", with the
 * stack under STIELTJES_DEBUG) and an exit code (a CliError's own, else 1), instead of a throw.
 */
export async function runCliToExitCode(argv: string[]): Promise<number> {
  try {
    return await runCli(argv);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`stieltjes: ${msg}\n`);
    if (process.env.STIELTJES_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    return e instanceof CliError ? e.exitCode : 1;
  }
}
