/**
 * ONE TypeScript program for everything the docs test compiles: the entry points (whose exports
 * docs/api.md lists), every ```ts / ```js block of the Markdown (bases in front, see
 * ./markdown-snippets.ts) and the examples. One pass over src/ serves them all, which is most of
 * the cost.
 *
 * Blocks and pages' scripts are virtual files of the compiler host, placed under test/docs/ so
 * that node_modules resolves as usual; the package's entry points map to their sources through
 * `paths` ('stieltjes' → src/index.ts, …). Options: the API listing's (a strict user project),
 * plus checkJs for JavaScript.
 */
import { join } from 'node:path';
import ts from 'typescript';
import { API_COMPILER_OPTIONS, ENTRY_POINTS, entryFiles } from '../../scripts/api-reference.js';
import { exampleModules, type ExampleModule } from './example-modules.js';
import { CODE_LANGS, codeBlocks, markdownFiles, ROOT, withBases, type CodeBlock } from './markdown-snippets.js';

/** Public specifier → source file, relative to the repository root. */
export const ENTRY_SOURCES: Record<string, string> = Object.fromEntries(ENTRY_POINTS.map((e) => [e.specifier, e.file]));

export interface DocsProgram {
  program: ts.Program;
  blocks: CodeBlock[];
  examples: ExampleModule[];
  /** A block's module path in the program. */
  modulePath(b: CodeBlock): string;
  /** Maps a 0-based line of a block's module (bases in front) to the Markdown `file:line`. */
  sourceLine(b: CodeBlock, moduleLine: number): string;
}

export function docsProgram(): DocsProgram {
  const blocks = markdownFiles().flatMap(codeBlocks).filter((b) => b.lang in CODE_LANGS);
  const examples = exampleModules();
  const modulePath = (b: CodeBlock): string =>
    join(ROOT, 'test', 'docs', '__snippets__', `${b.file.replace(/[/.]/g, '_')}_${b.line}.${CODE_LANGS[b.lang] === 'ts' ? 'mts' : 'mjs'}`);
  const virtual = new Map<string, string>([
    ...blocks.map((b): [string, string] => [modulePath(b), withBases(b, blocks)]),
    ...examples.map((e): [string, string] => [e.path, e.text]),
  ]);
  const options: ts.CompilerOptions = {
    ...API_COMPILER_OPTIONS,
    allowJs: true,
    checkJs: true,
    paths: Object.fromEntries(Object.entries(ENTRY_SOURCES).map(([spec, file]) => [spec, [join(ROOT, file)]])),
  };
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (f) => virtual.has(f) || fileExists.call(host, f);
  host.readFile = (f) => virtual.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, version, ...rest) => {
    const text = virtual.get(f);
    return text === undefined ? getSourceFile.call(host, f, version, ...rest) : ts.createSourceFile(f, text, version, true);
  };
  const program = ts.createProgram([...entryFiles(), ...virtual.keys()], options, host);

  const sourceLine = (b: CodeBlock, moduleLine: number): string => {
    const chain: CodeBlock[] = [b];
    for (let c = b; c.extends; ) {
      c = blocks.find((d) => d.file === c.file && d.id === c.extends)!;
      chain.unshift(c);
    }
    let line = moduleLine;
    for (const c of chain) {
      const n = c.code.split('\n').length;
      if (line < n) return `${c.file}:${c.line + 1 + line}`;
      line -= n;
    }
    return `${b.file}:${b.line}`;
  };
  return { program, blocks, examples, modulePath, sourceLine };
}
