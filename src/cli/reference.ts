/** The command-line reference (docs/cli.md), assembled from every command's usage text. */
import { commands } from './commands.js';
import { helpText } from './run.js';

export async function cliReference(): Promise<string> {
  const parts = [
    '# Command-line reference',
    '',
    'Generated from `stieltjes --help` and each `stieltjes <command> --help` by `npx tsx scripts/gen-cli-docs.ts`.',
    'Every command prints errors as one line naming the flag, file or layer at fault, and exits non-zero',
    '(2 for a usage error, 1 otherwise); outputs are written under temporary names, synced to disk and',
    'renamed, so a failed or interrupted run leaves nothing half-written (what a killed run leaves, the',
    'next run on the same output removes). Numeric flags outside the ranges given below are refused.',
    'Inputs (image, weights, baseline files, flags) are checked before a backend starts; only the checks',
    'that need the built model (--layer, the class range of --target) come after. Weights, inputs and',
    'results that are NaN or ±Inf are errors naming the layer, weight or output where they first appear,',
    'unless `--allow-non-finite` is given (see [explanations](explain.md#non-finite-numbers)).',
    'Two runs writing one `--out` at once: the second fails at once, naming the first (lock file',
    '`.NAME.lock` beside the output; a lock left by a run that no longer exists is taken over).',
    '',
    '```',
    helpText(commands).trimEnd(),
    '```',
  ];
  for (const c of commands) parts.push('', `## stieltjes ${c.name}`, '', c.summary.charAt(0).toUpperCase() + c.summary.slice(1) + '.', '', '```', c.usage.trimEnd(), '```');
  return `${parts.join('\n')}\n`;
}
