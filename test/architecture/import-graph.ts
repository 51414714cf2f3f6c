/**
 * The import graph of src/, read from the sources with TypeScript's parser: which file imports
 * which, with paths relative to the repository root ('src/tensor/engine.ts'). Only relative
 * specifiers are edges (packages and node: built-ins are outside the graph); `./x.js` names the
 * source `./x.ts`, as the project writes its imports.
 *
 * Dynamic `import()` counts: a file loaded on demand is still a dependency, and a cycle through it
 * still ties the two files together. Type-only imports (`import type`, `export type … from`, an
 * import whose every name is `type`, and `import('…').T` in a type) are counted or not on request:
 * the cycle check and the layer table count them (see import-graph.test.ts), and the runtime
 * graph, without them, tells a "(types only)" dependency from a real one.
 *
 * (This replaced madge, which took ~10 s of CPU per run of the suite to build the same graph.)
 *
 * Parsing all of src/ is still most of the cost (~2 s of CPU with a cold parser), so each file is
 * parsed once per process (the graph with type-only imports and the one without share it), and
 * its specifiers are remembered between runs by the SHA-1 of its text (../helpers/input-cache.ts):
 * they depend on nothing else, so an unchanged file is not parsed again, and a run where no file
 * changed does not even load TypeScript. Resolving the specifiers to files is done afresh each time.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as TS from 'typescript';
import { cacheFile, OFF, sha1, writeEntry } from '../helpers/input-cache.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ImportGraph {
  /** Every file of src/ and the files of src/ it imports. */
  imports: ReadonlyMap<string, readonly string[]>;
  /** One cycle per group of files that import each other, as the files along it. */
  cycles: readonly (readonly string[])[];
  /** Relative imports that name no file; a graph with any is incomplete, so the tests fail on them. */
  unresolved: readonly string[];
}

interface Specifier {
  text: string;
  typeOnly: boolean;
}

/** The module specifiers a source file names, each marked type-only or not. */
function parseSpecifiers(file: string, text: string): Specifier[] {
  const ts = typescript();
  // No parent pointers and no JSDoc: the walk below needs neither (forEachChild never enters JSDoc).
  const source = ts.createSourceFile(file, text, { languageVersion: ts.ScriptTarget.Latest, jsDocParsingMode: ts.JSDocParsingMode.ParseNone }, false, ts.ScriptKind.TS);
  const found: Specifier[] = [];
  const visit = (node: TS.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const everyNameIsType = !!clause && !clause.name && !!bindings && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
      found.push({ text: node.moduleSpecifier.text, typeOnly: !!clause && (clause.isTypeOnly || everyNameIsType) });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.exportClause;
      const everyNameIsType = !!clause && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly);
      found.push({ text: node.moduleSpecifier.text, typeOnly: node.isTypeOnly || everyNameIsType });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteralLike(arg)) found.push({ text: arg.text, typeOnly: false });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ text: node.argument.literal.text, typeOnly: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

// TypeScript is loaded only when a file has to be parsed.
const requireHere = createRequire(import.meta.url);
let loaded: typeof TS | undefined;
const typescript = (): typeof TS => (loaded ??= requireHere('typescript') as typeof TS);

/**
 * What the remembered specifiers were parsed with: this file's code and TypeScript's version. A
 * change to either forgets them all.
 */
const PARSER = sha1(readFileSync(fileURLToPath(import.meta.url), 'utf8') + readFileSync(requireHere.resolve('typescript/package.json'), 'utf8'));
const CACHE = cacheFile('import-graph');

/** Specifiers by the SHA-1 of the file's text: those of earlier runs (same parser), and this process's. */
let known: Map<string, Specifier[]> | undefined;
/** The entries this process used: what is written back (so the file does not grow with every edit). */
const used = new Set<string>();

function rememberedSpecifiers(): Map<string, Specifier[]> {
  try {
    const saved = JSON.parse(readFileSync(CACHE, 'utf8')) as { parser: string; files: Record<string, Specifier[]> };
    if (saved.parser === PARSER) return new Map(Object.entries(saved.files));
  } catch {
    // Nothing remembered yet.
  }
  return new Map();
}

function specifiers(file: string): { specifiers: Specifier[]; parsed: boolean } {
  known ??= OFF ? new Map() : rememberedSpecifiers();
  const text = readFileSync(file, 'utf8');
  const digest = sha1(text);
  used.add(digest);
  const remembered = known.get(digest);
  if (remembered) return { specifiers: remembered, parsed: false };
  const parsed = parseSpecifiers(file, text);
  known.set(digest, parsed);
  return { specifiers: parsed, parsed: true };
}

/** The source file a relative specifier names, or null. */
function resolveSpecifier(from: string, spec: string): string | null {
  const base = resolve(dirname(from), spec);
  const candidates = [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((c) => c.endsWith('.ts') && existsSync(c)) ?? null;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** One cycle through each strongly connected group of two or more files (or a file importing itself). */
function findCycles(imports: ReadonlyMap<string, readonly string[]>): string[][] {
  // Tarjan's algorithm, then a path from each group's first file back to itself inside the group.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const strongConnect = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of imports.get(v) ?? []) {
      if (!index.has(w)) {
        strongConnect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1 || (imports.get(v) ?? []).includes(v)) groups.push(group.sort());
    }
  };
  for (const v of imports.keys()) if (!index.has(v)) strongConnect(v);
  return groups.map((group) => {
    const inGroup = new Set(group);
    const start = group[0]!;
    // Breadth-first from the start's imports back to the start, staying inside the group.
    const previous = new Map<string, string>();
    const queue = [start];
    while (queue.length > 0) {
      const v = queue.shift()!;
      for (const w of imports.get(v) ?? []) {
        if (!inGroup.has(w) || previous.has(w)) continue;
        previous.set(w, v);
        if (w === start) queue.length = 0;
        else queue.push(w);
      }
    }
    // Walk back from the file that imports the start: start → … → that file (→ start).
    const path: string[] = [];
    for (let v = previous.get(start)!; v !== start; v = previous.get(v)!) path.unshift(v);
    return [start, ...path];
  });
}

/** The graph of `dir` (src/ unless told; paths are relative to the repository root). */
export function importGraph(opts: { typeImports: boolean; dir?: string }): ImportGraph {
  const dir = resolve(ROOT, opts.dir ?? 'src');
  const name = (f: string): string => relative(ROOT, f).split(sep).join('/');
  const imports = new Map<string, string[]>();
  const unresolved: string[] = [];
  let parsedAny = false;
  for (const file of sourceFiles(dir)) {
    const deps = new Set<string>();
    const found = specifiers(file);
    parsedAny ||= found.parsed;
    for (const s of found.specifiers) {
      if (!s.text.startsWith('.') || (s.typeOnly && !opts.typeImports)) continue;
      const target = resolveSpecifier(file, s.text);
      if (target === null) unresolved.push(`${name(file)}: ${s.text}`);
      else if (target.startsWith(dir + sep)) deps.add(name(target));
    }
    imports.set(name(file), [...deps].sort());
  }
  if (parsedAny && !OFF) writeEntry(CACHE, { parser: PARSER, files: Object.fromEntries([...used].map((d) => [d, known!.get(d)!])) });
  return { imports, cycles: findCycles(imports), unresolved };
}

/**
 * The layer a file belongs to: its folder directly under src/ ('src/tensor'), or 'src/*.ts' for
 * the files in src/ itself (the entry points and their helpers).
 */
export function layerOf(file: string): string {
  const parts = file.split('/');
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : 'src/*.ts';
}
