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
 *
 * Compiling costs seconds of CPU (TypeScript starts cold in each test process), so what the
 * program yields (./docs-program.ts: docsChecks) is remembered between runs while none of the
 * files it read changes (../helpers/input-cache.ts); the assertions run on it every time, and the
 * runnable blocks always run.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ENTRY_POINTS, ENTRY_SOURCES } from '../../scripts/entry-points.js';
import { remembered, sha1 } from '../helpers/input-cache.js';
import type { DocsChecks } from './docs-program.js';
import { exampleModules } from './example-modules.js';
import { CODE_LANGS, codeBlocks, markdownFiles, ROOT, withBases } from './markdown-snippets.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports?: Record<string, unknown> };

// Read at collection time (cheap) so that each runnable block is a test of its own; the program
// is built (TypeScript loaded) once, by the first test that needs it, and only if nothing it
// would say is remembered.
const blocks = markdownFiles().flatMap(codeBlocks).filter((b) => b.lang in CODE_LANGS);
const examples = exampleModules();
/**
 * What the checks depend on besides the files the compiler reads (those are the entry's inputs):
 * the code of each block (bases in front) and example, and which file it is in. Not the line it
 * starts at, nor the prose around it: only a failure's message says where a block is, and a
 * failure is not remembered, so an edit to a doc's text that leaves its code alone needs no compiling.
 */
const codeKey = (): string => sha1(JSON.stringify([blocks.map((b) => [b.file, b.lang, withBases(b, blocks)]), examples.map((e) => [e.file, e.path, e.text])]));

let pending: Promise<DocsChecks> | undefined;
const checks = (): Promise<DocsChecks> =>
  (pending ??= remembered('docs-checks', codeKey(), async () => (await import('./docs-program.js')).docsChecks({ blocks, examples })));

describe('the docs agree with the code', () => {
  it('there are snippets to check, and their directives name blocks that exist', () => {
    expect(blocks.filter((b) => b.file === 'README.md').length).toBeGreaterThan(3);
    for (const b of blocks) withBases(b, blocks);
  });

  it('the listing covers every entry point of package.json', () => {
    const exportsField = pkg.exports ?? {};
    const specifiers = Object.keys(exportsField).filter((k) => !k.endsWith('.json')).map((k) => (k === '.' ? 'stieltjes' : `stieltjes/${k.slice(2)}`));
    expect(ENTRY_POINTS.map((e) => e.specifier).sort()).toEqual(specifiers.sort());
  });

  it('docs/api.md is the current public surface of every entry point (regenerate: npx tsx scripts/gen-api-docs.ts)', async () => {
    const committed = readFileSync(join(ROOT, 'docs', 'api.md'), 'utf8');
    const current = (await checks()).api;
    expect(committed, 'the public surface changed: run npx tsx scripts/gen-api-docs.ts and commit docs/api.md').toBe(current);
  });

  it('snippets and examples import only the public entry points, node: built-ins and peer dependencies', async () => {
    expect((await checks()).badImports, 'docs and examples may import only what a user of the package can').toEqual([]);
  });

  it('snippets and examples type-check (strict) against the sources of the entry points', async () => {
    expect((await checks()).typeErrors, 'fix the snippet (or mark what it continues: see test/docs/markdown-snippets.ts)').toEqual([]);
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
