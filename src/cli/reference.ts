/** The command-line reference (docs/cli.md), assembled from every command's usage text. */
import { commands } from './commands.js';
import { helpText } from './run.js';

export async function cliReference(): Promise<string> {
  const parts = [
    '# Command-line reference',
    '',
    'Generated from `stieltjes --help` and each `stieltjes <command> --help` by `npx tsx scripts/gen-cli-docs.ts`.',
    'Every command prints errors as one line naming the flag, file or layer at fault, and exits non-zero',
    '(2 for a usage error, 1 otherwise); outputs are written under temporary names and renamed, so a',
    'failed run leaves nothing half-written.',
    '',
    '```',
    helpText(commands).trimEnd(),
    '```',
  ];
  for (const c of commands) parts.push('', `## stieltjes ${c.name}`, '', c.summary.charAt(0).toUpperCase() + c.summary.slice(1) + '.', '', '```', c.usage.trimEnd(), '```');
  return `${parts.join('\n')}\n`;
}
