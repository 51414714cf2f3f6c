/**
 * The import graph of src/, computed by madge from the sources: which file imports which, with
 * paths relative to the repository root ('src/tensor/engine.ts').
 *
 * Dynamic `import()` counts: a file loaded on demand is still a dependency, and a cycle through it
 * still ties the two files together. Type-only imports are counted or not on request: the cycle
 * check and the layer table count them (see import-graph.test.ts), and the runtime graph, without
 * them, tells a "(types only)" dependency from a real one.
 */
import { relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import madge from 'madge';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ImportGraph {
  /** Every file of src/ and the files of src/ it imports. */
  imports: ReadonlyMap<string, readonly string[]>;
  /** Each cycle as the files along it (madge lists each elementary cycle it finds once). */
  cycles: readonly (readonly string[])[];
  /** Imports madge could not resolve; a graph with any is incomplete, so the tests fail on them. */
  unresolved: readonly string[];
}

let silenced = 0;
let wasQuiet: boolean | undefined;

/** The graph of `dir` (src/ unless told; paths are relative to the repository root). */
export async function importGraph(opts: { typeImports: boolean; dir?: string }): Promise<ImportGraph> {
  const skipTypeImports = !opts.typeImports;
  const dir = resolve(ROOT, opts.dir ?? 'src');
  const prefix = relative(ROOT, dir).split(sep).join('/');
  // madge's TypeScript parser reads a property typescript-estree has deprecated, which prints a
  // DeprecationWarning per run: noise about a third-party internal, silenced for this call only.
  // (A count, not a saved flag, so that overlapping calls restore it correctly.)
  if (silenced++ === 0) {
    wasQuiet = process.noDeprecation;
    process.noDeprecation = true;
  }
  const result = await madge(dir, {
    baseDir: dir,
    fileExtensions: ['ts'],
    tsConfig: resolve(ROOT, 'tsconfig.json'),
    // detective-typescript parses .ts files; es6 is listed too in case madge routes a file there.
    detectiveOptions: { ts: { skipTypeImports, skipAsyncImports: false }, es6: { skipTypeImports, skipAsyncImports: false } },
  }).finally(() => {
    if (--silenced === 0) process.noDeprecation = wasQuiet;
  });
  const inSrc = (f: string): string => `${prefix}/${f}`;
  const imports = new Map<string, string[]>();
  for (const [file, deps] of Object.entries(result.obj())) imports.set(inSrc(file), deps.map(inSrc).sort());
  return {
    imports,
    cycles: result.circular().map((c) => c.map(inSrc)),
    unresolved: result.warnings().skipped,
  };
}

/**
 * The layer a file belongs to: its folder directly under src/ ('src/tensor'), or 'src/*.ts' for
 * the files in src/ itself (the entry points and their helpers).
 */
export function layerOf(file: string): string {
  const parts = file.split('/');
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : 'src/*.ts';
}
