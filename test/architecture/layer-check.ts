/**
 * Compares the layer table's rows (layer-table.ts) with the import graph (import-graph.ts): what
 * each layer imports from the others, against what its row says it does.
 */
import { layerOf, type ImportGraph } from './import-graph.js';
import type { LayerRow } from './layer-table.js';

interface Edge {
  from: string;
  to: string;
}

/** Each import that crosses from one layer to another, by the importing layer. */
function crossings(graph: ImportGraph): Map<string, Edge[]> {
  const out = new Map<string, Edge[]>();
  for (const [from, tos] of graph.imports) {
    for (const to of tos) {
      if (layerOf(from) === layerOf(to)) continue;
      const list = out.get(layerOf(from)) ?? [];
      list.push({ from, to });
      out.set(layerOf(from), list);
    }
  }
  return out;
}

/** Whether a declared path (a folder, or one file) covers an imported file. */
function covers(path: string, file: string): boolean {
  return path.endsWith('.ts') ? file === path : layerOf(file) === path;
}

/** What is wrong with one row, as lines naming the files at fault. */
function rowProblems(row: LayerRow, edges: Edge[], runtimeEdges: Edge[]): string[] {
  const problems: string[] = [];
  for (const { from, to } of edges) {
    if (row.dependsOn.some((d) => covers(d.path, to))) continue;
    const someFilesNamed = row.dependsOn.some((d) => d.isFile && layerOf(d.path) === layerOf(to));
    problems.push(`${from} imports ${to}, which the table does not list${someFilesNamed ? ` (it names only some files of ${layerOf(to)})` : ''}`);
  }
  for (const d of row.dependsOn) {
    if (!edges.some((e) => covers(d.path, e.to))) problems.push(`the table lists ${d.path}, which no file of ${row.layer} imports`);
    if (d.isFile && row.dependsOn.some((o) => !o.isFile && o.path === layerOf(d.path))) {
      problems.push(`the table lists both ${layerOf(d.path)} and its file ${d.path}: name the folder or its files, not both`);
    }
    if (!d.typesOnly) continue;
    for (const e of runtimeEdges.filter((r) => covers(d.path, r.to))) {
      problems.push(`${e.from} imports ${e.to} for more than types, but the table says "(types only)"`);
    }
  }
  return problems;
}

/**
 * Every disagreement between the table and the graphs (`graph` with type-only imports, `runtime`
 * without), each line prefixed with its layer; empty when the table tells the truth.
 */
export function layerTableProblems(table: readonly LayerRow[], graph: ImportGraph, runtime: ImportGraph): string[] {
  const all = crossings(graph);
  const run = crossings(runtime);
  return table.flatMap((row) => rowProblems(row, all.get(row.layer) ?? [], run.get(row.layer) ?? []).map((p) => `${row.layer}: ${p}`));
}
