/**
 * Fenced code blocks of the project's Markdown (README.md and docs/*.md), with the directives a
 * block carries, so that tests can type-check and run the code the docs show.
 *
 * A directive is an HTML comment on the line right above the fence (invisible when rendered):
 *   <!-- snippet: run -->            also run it (it must be quick, and need no GPU or files)
 *   <!-- snippet: id=node -->        name it, so that later blocks can build on it
 *   <!-- snippet: extends=node -->   it continues block `node` of the same file: it is checked
 *                                    (and run) with that block's code (and its bases') in front
 * Tokens combine: `<!-- snippet: id=tune extends=node -->`. Without `run`, a block is only
 * type-checked. docs/cli.md is generated from --help and has no snippets of its own.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

export interface CodeBlock {
  /** The Markdown file, relative to the repository root. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The fence's info string, lower-case ('' for none). */
  lang: string;
  code: string;
  run: boolean;
  id?: string;
  extends?: string;
}

/** README.md and every docs/*.md. */
export function markdownFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join(ROOT, 'docs', f));
  return [join(ROOT, 'README.md'), ...docs.sort()];
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/;
const DIRECTIVE = /^\s*<!--\s*snippet:\s*(.*?)\s*-->\s*$/;

export function codeBlocks(path: string): CodeBlock[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const file = relative(ROOT, path);
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !lines[j]!.trimStart().startsWith(fence!); j++) body.push(lines[j]!.slice(Math.min(indent!.length, lines[j]!.length - lines[j]!.trimStart().length)));
    const block: CodeBlock = { file, line: i + 1, lang: open[3]!.toLowerCase(), code: body.join('\n'), run: false };
    const directive = i > 0 ? DIRECTIVE.exec(lines[i - 1]!) : null;
    if (directive) applyDirective(block, directive[1]!);
    blocks.push(block);
    i = j;
  }
  return blocks;
}

function applyDirective(block: CodeBlock, text: string): void {
  for (const token of text.split(/\s+/)) {
    const [key, value] = token.split('=');
    if (key === 'run' && value === undefined) block.run = true;
    else if (key === 'id' && value) block.id = value;
    else if (key === 'extends' && value) block.extends = value;
    else throw new Error(`${block.file}:${block.line - 1}: unknown snippet directive '${token}' (run, id=NAME, extends=NAME)`);
  }
}

export const CODE_LANGS: Record<string, 'ts' | 'js'> = { ts: 'ts', typescript: 'ts', js: 'js', javascript: 'js', mjs: 'js' };

/** A block's code with the code of the blocks it extends in front, base first. */
export function withBases(block: CodeBlock, all: readonly CodeBlock[]): string {
  const parts = [block.code];
  const seen = new Set<CodeBlock>([block]);
  for (let b = block; b.extends; ) {
    const base = all.find((c) => c.file === b.file && c.id === b.extends);
    if (!base) throw new Error(`${b.file}:${b.line}: extends=${b.extends}, but no block above it has id=${b.extends}`);
    if (seen.has(base)) throw new Error(`${b.file}:${b.line}: extends=${b.extends} makes a cycle`);
    seen.add(base);
    parts.unshift(base.code);
    b = base;
  }
  return parts.join('\n');
}
