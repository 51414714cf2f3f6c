/** Subcommand dispatch, --help and --version. */
import { VERSION } from '../version.js';
import { CliError } from './errors.js';

export { CliError } from './errors.js';

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

const commands: Command[] = [];

/** Subcommands register themselves here (see ./commands.ts). */
export function registerCommand(c: Command): void {
  commands.push(c);
}

export function commandList(): readonly Command[] {
  return commands;
}

export function helpText(): string {
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
  await import('./commands.js');
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const target = first === 'help' ? commands.find((c) => c.name === rest[0]) : undefined;
    process.stdout.write(target ? `${target.usage}\n` : helpText());
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
