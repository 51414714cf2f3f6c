/**
 * The import graph of src/, computed by madge from the sources: which file imports which, with
 * paths relative to the repository root ('src/tensor/engine.ts').
 *
 * Dynamic `import()` counts: a file loaded on demand is still a dependency, and a cycle through it
 * still ties the two files together. Type-only imports are counted or not on request: the cycle
 * check and the layer table count them (see import-cycles.test.ts), and the runtime graph, without
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

/** The graph of `dir` (src/ unless told; paths are relative to the repository root). */
export async function importGraph(opts: { typeImports: boolean; dir?: string }): Promise<ImportGraph> {
  const skipTypeImports = !opts.typeImports;
  const dir = resolve(ROOT, opts.dir ?? 'src');
  const prefix = relative(ROOT, dir).split(sep).join('/');
  const result = await madge(dir, {
    baseDir: dir,
    fileExtensions: ['ts'],
    tsConfig: resolve(ROOT, 'tsconfig.json'),
    // detective-typescript parses .ts files; es6 is listed too in case madge routes a file there.
    detectiveOptions: { ts: { skipTypeImports, skipAsyncImports: false }, es6: { skipTypeImports, skipAsyncImports: false } },
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
