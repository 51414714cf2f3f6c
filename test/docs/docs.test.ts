/**
 * The docs agree with the code, checked from one compiler program (./docs-program.ts):
 *
 * - docs/api.md is the public surface of every entry point (scripts/api-reference.ts): a name
 *   added, removed or changed without regenerating it fails, saying how to regenerate.
 * - Every ```ts / ```js block of README.md and docs/*.md (directives: ./markdown-snippets.ts)
 *   and every example (examples/*.mjs, the pages' module scripts) imports only the public entry
 *   points ('stieltjes', 'stieltjes/node', 'stieltjes/webgpu', 'stieltjes/testing'), node:
 *   built-ins and peer dependencies (fast-check): what a user of the installed package can write.
 * - They type-check as a strict user project would (entry points mapped to their sources);
 *   JavaScript is spared only what it cannot express.
 * - Blocks marked `<!-- snippet: run -->` run (imports pointed at the sources), quietly.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { apiReference, ENTRY_POINTS, publicSurface } from '../../scripts/api-reference.js';
import { docsProgram, ENTRY_SOURCES, type DocsProgram } from './docs-program.js';
import { CODE_LANGS, codeBlocks, markdownFiles, ROOT, withBases } from './markdown-snippets.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { peerDependencies?: Record<string, string> };
const PEERS = Object.keys(pkg.peerDependencies ?? {});

/**
 * Not mistakes in JavaScript: "… implicitly has an 'any' type" and the other 7xxx diagnostics
 * (what JavaScript is), "… is possibly 'null'" (a page's getElementById and getContext, with no
 * `!` to say it is there) and "'e' is of type 'unknown'" (a caught error, with no annotation).
 */
const notForJs = (code: number): boolean => (code >= 7000 && code < 8000) || [2531, 2532, 18046, 18047, 18048, 18049].includes(code);

// Read at collection time (cheap) so that each runnable block is a test of its own; the program
// is built once, by the first test that needs it.
const blocks = markdownFiles().flatMap(codeBlocks).filter((b) => b.lang in CODE_LANGS);
let built: DocsProgram | undefined;
const docs = (): DocsProgram => (built ??= docsProgram());

const importSpecifiers = (code: string): string[] => ts.preProcessFile(code, true, true).importedFiles.map((f) => f.fileName);

describe('the docs agree with the code', () => {
  it('there are snippets to check, and their directives name blocks that exist', () => {
    expect(blocks.filter((b) => b.file === 'README.md').length).toBeGreaterThan(3);
    for (const b of blocks) withBases(b, blocks);
  });

  it('the listing covers every entry point of package.json', () => {
    const exportsField = (pkg as { exports?: Record<string, unknown> }).exports ?? {};
    const specifiers = Object.keys(exportsField).filter((k) => !k.endsWith('.json')).map((k) => (k === '.' ? 'stieltjes' : `stieltjes/${k.slice(2)}`));
    expect(ENTRY_POINTS.map((e) => e.specifier).sort()).toEqual(specifiers.sort());
  });

  it('docs/api.md is the current public surface of every entry point (regenerate: npx tsx scripts/gen-api-docs.ts)', () => {
    const committed = readFileSync(join(ROOT, 'docs', 'api.md'), 'utf8');
    const current = apiReference(publicSurface(docs().program));
    expect(committed, 'the public surface changed: run npx tsx scripts/gen-api-docs.ts and commit docs/api.md').toBe(current);
  });

  it('snippets and examples import only the public entry points, node: built-ins and peer dependencies', () => {
    const allowed = (s: string): boolean => s in ENTRY_SOURCES || s.startsWith('node:') || PEERS.includes(s);
    const bad = [
      ...blocks.flatMap((b) => importSpecifiers(b.code).filter((s) => !allowed(s)).map((s) => `${b.file}:${b.line}: '${s}'`)),
      ...docs().examples.flatMap((e) => importSpecifiers(e.text).filter((s) => !allowed(s)).map((s) => `${e.file}: '${s}'`)),
    ];
    expect(bad, 'docs and examples may import only what a user of the package can').toEqual([]);
  });

  it('snippets and examples type-check (strict) against the sources of the entry points', () => {
    const { program, blocks: all, examples, modulePath, sourceLine } = docs();
    const problems: string[] = [];
    const check = (path: string, where: (line: number) => string): void => {
      const sf = program.getSourceFile(path)!;
      for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
        if (/\.m?js$/.test(path) && notForJs(d.code)) continue;
        const line = d.start === undefined ? 0 : sf.getLineAndCharacterOfPosition(d.start).line;
        problems.push(`${where(line)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
      }
    };
    for (const b of all) check(modulePath(b), (line) => sourceLine(b, line));
    for (const e of examples) check(e.path, (line) => `${e.file}:${e.offset + line + 1}`);
    expect(problems, 'fix the snippet (or mark what it continues: see test/docs/markdown-snippets.ts)').toEqual([]);
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
