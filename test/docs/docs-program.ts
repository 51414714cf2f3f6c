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
 *
 * docsChecks() is what the docs test asserts, computed from that program, with every file the
 * compiler read (and the code behind the checks) as its inputs, so that ../helpers/input-cache.ts
 * can reuse it while none of them, nor the code it compiled (the docs test's key), changes.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import ts from 'typescript';
import { API_COMPILER_OPTIONS, apiReference, entryFiles, publicSurface } from '../../scripts/api-reference.js';
import { ENTRY_SOURCES } from '../../scripts/entry-points.js';
import { fileDigest, sha1, type Computed } from '../helpers/input-cache.js';
import { exampleModules, type ExampleModule } from './example-modules.js';
import { CODE_LANGS, codeBlocks, markdownFiles, ROOT, withBases, type CodeBlock } from './markdown-snippets.js';

export interface DocsProgram {
  program: ts.Program;
  blocks: CodeBlock[];
  examples: ExampleModule[];
  /** A block's module path in the program. */
  modulePath(b: CodeBlock): string;
  /** Maps a 0-based line of a block's module (bases in front) to the Markdown `file:line`. */
  sourceLine(b: CodeBlock, moduleLine: number): string;
  /** Every file the compiler read, with the SHA-1 of the text it read. */
  read: ReadonlyMap<string, string>;
}

/** What the program compiles besides the entry points: the Markdown's code blocks and the examples. */
export interface DocsCode {
  blocks: CodeBlock[];
  examples: ExampleModule[];
}

export const docsCode = (): DocsCode => ({ blocks: markdownFiles().flatMap(codeBlocks).filter((b) => b.lang in CODE_LANGS), examples: exampleModules() });

export function docsProgram({ blocks, examples }: DocsCode = docsCode()): DocsProgram {
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
  const read = new Map<string, string>();
  host.fileExists = (f) => virtual.has(f) || fileExists.call(host, f);
  // The host's getSourceFile reads through readFile too, so this sees sources and package.json
  // files alike. (A file with a byte-order mark, which readFile drops, would never match its
  // digest on disk: it would only make the checks run every time.)
  host.readFile = (f) => {
    const text = virtual.get(f) ?? readFile.call(host, f);
    if (text !== undefined && !virtual.has(f)) read.set(f, sha1(text));
    return text;
  };
  host.getSourceFile = (f, version, ...rest) => {
    const text = virtual.get(f);
    if (text !== undefined) return ts.createSourceFile(f, text, version, true);
    // Declarations of dependencies (the DOM, Node, @webgpu/types: most of what is parsed) need
    // no JSDoc: skipLibCheck reports nothing in them, a TypeScript file takes no type from JSDoc,
    // and the listing's summaries come from src/. Skipping it saves about a second of parsing.
    const own = !f.includes('/node_modules/');
    const opts = typeof version === 'object' ? version : { languageVersion: version };
    return getSourceFile.call(host, f, own ? version : { ...opts, jsDocParsingMode: ts.JSDocParsingMode.ParseForTypeErrors }, ...rest);
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
  return { program, blocks, examples, modulePath, sourceLine, read };
}

/** What the docs test asserts, each a list of problems (empty when the docs agree) or a text. */
export interface DocsChecks {
  /** docs/api.md as the current public surface would have it. */
  api: string;
  /** Imports of snippets and examples that a user of the package could not write. */
  badImports: string[];
  /** Type errors in snippets and examples, each at its Markdown or example line. */
  typeErrors: string[];
}

/**
 * Not mistakes in JavaScript: "… implicitly has an 'any' type" and the other 7xxx diagnostics
 * (what JavaScript is), "… is possibly 'null'" (a page's getElementById and getContext, with no
 * `!` to say it is there) and "'e' is of type 'unknown'" (a caught error, with no annotation).
 */
const notForJs = (code: number): boolean => (code >= 7000 && code < 8000) || [2531, 2532, 18046, 18047, 18048, 18049].includes(code);

const importSpecifiers = (code: string): string[] => ts.preProcessFile(code, true, true).importedFiles.map((f) => f.fileName);

/** This module and what it runs: a change to any of them computes the checks again. */
const CHECK_CODE = [
  'test/docs/docs-program.ts',
  'test/docs/docs.test.ts',
  'test/docs/markdown-snippets.ts',
  'test/docs/example-modules.ts',
  'test/helpers/input-cache.ts',
  'scripts/api-reference.ts',
  'scripts/entry-points.ts',
];

export function docsChecks(code: DocsCode): Computed<DocsChecks> {
  // Digests taken before anything is read: a file edited while this runs is computed again next time.
  const inputs = new Map<string, string | null>();
  // npm's record of what is installed (it changes with any install) and the compiler's version.
  const installed = [join(ROOT, 'node_modules', '.package-lock.json'), createRequire(join(ROOT, 'package.json')).resolve('typescript/package.json')];
  for (const f of [...CHECK_CODE.map((c) => join(ROOT, c)), join(ROOT, 'package.json'), ...installed]) {
    inputs.set(f, fileDigest(f));
  }
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { peerDependencies?: Record<string, string> };
  const peers = Object.keys(pkg.peerDependencies ?? {});

  const { program, blocks, examples, modulePath, sourceLine, read } = docsProgram(code);
  const api = apiReference(publicSurface(program));

  const allowed = (s: string): boolean => s in ENTRY_SOURCES || s.startsWith('node:') || peers.includes(s);
  const badImports = [
    ...blocks.flatMap((b) => importSpecifiers(b.code).filter((s) => !allowed(s)).map((s) => `${b.file}:${b.line}: '${s}'`)),
    ...examples.flatMap((e) => importSpecifiers(e.text).filter((s) => !allowed(s)).map((s) => `${e.file}: '${s}'`)),
  ];

  const typeErrors: string[] = [];
  const check = (path: string, where: (line: number) => string): void => {
    const sf = program.getSourceFile(path)!;
    for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
      if (/\.m?js$/.test(path) && notForJs(d.code)) continue;
      const line = d.start === undefined ? 0 : sf.getLineAndCharacterOfPosition(d.start).line;
      typeErrors.push(`${where(line)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    }
  };
  for (const b of blocks) check(modulePath(b), (line) => sourceLine(b, line));
  for (const e of examples) check(e.path, (line) => `${e.file}:${e.offset + line + 1}`);

  for (const [f, digest] of read) if (!inputs.has(f)) inputs.set(f, digest);
  // Only a clean result is kept: a failure is computed (and its message written) afresh each run.
  return { value: { api, badImports, typeErrors }, inputs, keep: badImports.length === 0 && typeErrors.length === 0 };
}
