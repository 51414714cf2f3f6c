/**
 * The command lines the docs show name things that exist: in shell and plain blocks of README.md
 * and docs/*.md, every `stieltjes <command>` is a command and every `--flag` after it (on its
 * line and the indented lines continuing it) appears in that command's --help; every `npm run X`
 * is a script of package.json; every repository file run with node / npx tsx / bash exists.
 * docs/cli.md is the --help itself (test/cli/docs.test.ts), so it is not read here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliReference } from '../../src/cli/reference.js';
import { codeBlocks, markdownFiles, ROOT } from './markdown-snippets.js';

const SHELL_LANGS = new Set(['', 'sh', 'bash', 'shell', 'console']);

interface CommandLine {
  where: string;
  text: string;
}

/** The lines of shell and plain blocks, with `# comments` dropped and continuation lines joined. */
function commandLines(): CommandLine[] {
  const out: CommandLine[] = [];
  for (const path of markdownFiles().filter((p) => !p.endsWith(join('docs', 'cli.md')))) {
    for (const block of codeBlocks(path).filter((b) => SHELL_LANGS.has(b.lang))) {
      block.code.split('\n').forEach((raw, i) => {
        const text = raw.replace(/(^|\s)#.*$/, '').replace(/^\$\s+/, '');
        const continues = /^\s+\S/.test(raw) && out.length > 0 && out.at(-1)!.where.startsWith(`${block.file}:`);
        if (continues && !/\bstieltjes\s+[a-z]/.test(text)) out.at(-1)!.text += ` ${text.trim()}`;
        else if (text.trim()) out.push({ where: `${block.file}:${block.line + 1 + i}`, text: text.trim() });
      });
    }
  }
  return out;
}

/** Each command's flags, from its section of the generated reference (its --help). */
async function flagsByCommand(): Promise<Map<string, Set<string>>> {
  const reference = await cliReference();
  const flags = new Map<string, Set<string>>();
  for (const section of reference.split(/^## stieltjes /m).slice(1)) {
    const name = section.slice(0, section.indexOf('\n')).trim();
    flags.set(name, new Set(section.match(/--[a-z][a-z0-9-]*/g) ?? []));
  }
  return flags;
}

describe('command lines in README.md and docs/*.md', () => {
  const lines = commandLines();

  it('every stieltjes command and flag they name exists (see stieltjes <command> --help)', async () => {
    const flags = await flagsByCommand();
    expect(flags.size, 'the CLI reference lists its commands').toBeGreaterThan(3);
    const uses = lines.flatMap((l) => [...l.text.matchAll(/(?:^|[\s;&|(])stieltjes\s+([a-z][\w-]*)(.*)$/g)].map((m) => ({ ...l, command: m[1]!, rest: m[2]! })));
    expect(uses.length).toBeGreaterThan(5);
    const bad: string[] = [];
    for (const u of uses) {
      const known = flags.get(u.command);
      if (!known) {
        bad.push(`${u.where}: no command '${u.command}'`);
        continue;
      }
      for (const flag of u.rest.match(/--[a-z][a-z0-9-]*/g) ?? []) {
        if (!known.has(flag) && flag !== '--help' && flag !== '--version') bad.push(`${u.where}: stieltjes ${u.command} has no ${flag}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('every npm script and repository file they run exists', () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const bad: string[] = [];
    for (const l of lines) {
      for (const m of l.text.matchAll(/\bnpm run\s+(?:--silent\s+)?([\w:-]+)/g)) if (!(m[1]! in scripts)) bad.push(`${l.where}: no npm script '${m[1]}'`);
      // Paths under the repository's own folders (DIR/run.sh and the like are placeholders).
      for (const m of l.text.matchAll(/\b(?:node|npx tsx|tsx|bash)\s+((?:bench|scripts|examples|test|src)\/[\w./-]+)/g)) {
        if (!existsSync(join(ROOT, m[1]!))) bad.push(`${l.where}: no file ${m[1]}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
