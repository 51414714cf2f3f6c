/**
 * The code the docs show compiles and, where marked, runs: every ```ts / ```js block of README.md
 * and docs/*.md (directives and conventions: ./markdown-snippets.ts), and the examples: the
 * examples/*.mjs scripts and the module scripts of the pages under examples/.
 *
 * - Imports name only the package's public entry points ('stieltjes', 'stieltjes/node',
 *   'stieltjes/webgpu', 'stieltjes/testing'), node: built-ins and optional peer dependencies
 *   (fast-check): what a user of the installed package can write.
 * - Type-checked in ONE compiler program (cost: one pass over src/), with the entry points mapped
 *   to their sources (src/index.ts, …) through `paths`, under `strict` as a user's project would
 *   be; JavaScript (```js blocks, examples) with checkJs, less the strictness JavaScript cannot
 *   express (implicit any, possibly-null DOM lookups). Snippets are virtual files of the compiler
 *   host, so nothing is written for this part.
 * - Blocks marked `<!-- snippet: run -->` are then run (imports pointed at the sources), quietly.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { CODE_LANGS, codeBlocks, markdownFiles, ROOT, withBases, type CodeBlock } from './markdown-snippets.js';

const ENTRY_SOURCES: Record<string, string> = {
  stieltjes: 'src/index.ts',
  'stieltjes/node': 'src/node.ts',
  'stieltjes/webgpu': 'src/webgpu.ts',
  'stieltjes/testing': 'src/testing/index.ts',
};
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { peerDependencies?: Record<string, string> };
const PEERS = Object.keys(pkg.peerDependencies ?? {});

/**
 * Not mistakes in JavaScript: "… implicitly has an 'any' type" and the other 7xxx diagnostics
 * (what JavaScript is), "… is possibly 'null'" (a page's getElementById and getContext, with no
 * `!` to say it is there) and "'e' is of type 'unknown'" (a caught error, with no annotation).
 */
const notForJs = (code: number): boolean => (code >= 7000 && code < 8000) || [2531, 2532, 18046, 18047, 18048, 18049].includes(code);

const blocks = markdownFiles().flatMap(codeBlocks).filter((b) => b.lang in CODE_LANGS);
interface ExampleModule {
  /** For messages: the file, relative to the repository root. */
  file: string;
  /** The module's path for the compiler (virtual for a page's script). */
  path: string;
  text: string;
  /** Lines of the file above the module's first line. */
  offset: number;
}

/** examples/*.mjs, and each `<script type="module">` of the pages under examples/. */
function exampleModules(): ExampleModule[] {
  const modules: ExampleModule[] = [];
  for (const entry of readdirSync(join(ROOT, 'examples'), { recursive: true, encoding: 'utf8' })) {
    const path = join(ROOT, 'examples', entry);
    const file = relative(ROOT, path);
    if (entry.endsWith('.mjs')) modules.push({ file, path, text: readFileSync(path, 'utf8'), offset: 0 });
    if (!entry.endsWith('.html')) continue;
    const html = readFileSync(path, 'utf8');
    for (const m of html.matchAll(/<script type="module">([\s\S]*?)<\/script>/g)) {
      const offset = html.slice(0, m.index + m[0].indexOf('>') + 1).split('\n').length - 1;
      modules.push({ file, path: `${path}.${modules.length}.mjs`, text: m[1]!, offset });
    }
  }
  return modules;
}

const examples = exampleModules();

/** Where a block lives as a virtual module: beside the tests, so node_modules resolves as usual. */
function modulePath(b: CodeBlock): string {
  const ext = CODE_LANGS[b.lang] === 'ts' ? 'mts' : 'mjs';
  return join(ROOT, 'test', 'docs', '__snippets__', `${b.file.replace(/[/.]/g, '_')}_${b.line}.${ext}`);
}

/** Maps a line of a block's module (bases in front) back to the Markdown line it came from. */
function sourceLine(b: CodeBlock, moduleLine: number): string {
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
}

function importSpecifiers(code: string): string[] {
  return ts.preProcessFile(code, true, true).importedFiles.map((f) => f.fileName);
}

describe('code in README.md and docs/*.md', () => {
  it('there are snippets to check, and their directives name blocks that exist', () => {
    expect(blocks.filter((b) => b.file === 'README.md').length).toBeGreaterThan(3);
    for (const b of blocks) withBases(b, blocks);
  });

  it('imports only the public entry points, node: built-ins and peer dependencies', () => {
    const allowed = (s: string): boolean => s in ENTRY_SOURCES || s.startsWith('node:') || PEERS.includes(s);
    const bad = [
      ...blocks.flatMap((b) => importSpecifiers(b.code).filter((s) => !allowed(s)).map((s) => `${b.file}:${b.line}: '${s}'`)),
      ...examples.flatMap((e) => importSpecifiers(e.text).filter((s) => !allowed(s)).map((s) => `${e.file}: '${s}'`)),
    ];
    expect(bad, 'docs and examples may import only what a user of the package can').toEqual([]);
  });

  it('type-checks (strict) against the sources of the entry points, with the examples', () => {
    const virtual = new Map([...blocks.map((b): [string, string] => [modulePath(b), withBases(b, blocks)]), ...examples.map((e): [string, string] => [e.path, e.text])]);
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
      types: ['node', '@webgpu/types'],
      strict: true,
      allowJs: true,
      checkJs: true,
      skipLibCheck: true,
      noEmit: true,
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
    const program = ts.createProgram([...virtual.keys()], options, host);
    const problems: string[] = [];
    const report = (d: ts.Diagnostic, where: (line: number) => string): void => {
      if (d.file && /\.m?js$/.test(d.file.fileName) && notForJs(d.code)) return;
      const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : 0;
      problems.push(`${where(line)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    };
    for (const b of blocks) {
      const sf = program.getSourceFile(modulePath(b))!;
      for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) report(d, (line) => sourceLine(b, line));
    }
    for (const e of examples) {
      const sf = program.getSourceFile(e.path)!;
      for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) report(d, (line) => `${e.file}:${e.offset + line + 1}`);
    }
    expect(problems).toEqual([]);
  });

  describe('blocks marked <!-- snippet: run --> run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stieltjes-snippets-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const resolvePackage = createRequire(join(ROOT, 'package.json')).resolve;
    // Vite runs files outside the repository too, but resolves bare names from their folder:
    // point each import at the source (entry points) or the installed package.
    const pointImports = (code: string): string =>
      code.replace(/((?:from|import)\s*\(?\s*)(['"])([^'"]+)\2/g, (all, lead: string, q: string, spec: string) => {
        if (spec.startsWith('node:')) return all;
        return `${lead}${q}${spec in ENTRY_SOURCES ? join(ROOT, ENTRY_SOURCES[spec]!) : resolvePackage(spec)}${q}`;
      });
    for (const b of blocks.filter((c) => c.run)) {
      it(`${b.file}:${b.line}`, async () => {
        const file = join(dir, `${b.file.replace(/[/.]/g, '_')}_${b.line}.${CODE_LANGS[b.lang] === 'ts' ? 'ts' : 'mjs'}`);
        writeFileSync(file, pointImports(withBases(b, blocks)));
        const log = vi.spyOn(console, 'log').mockImplementation(() => {});
        try {
          await import(file);
        } finally {
          log.mockRestore();
        }
      });
    }
  });
});
