/**
 * docs/architecture.md's layer table tells the truth: each layer's "depends on" column is exactly
 * what its files import from other layers, in the import graph madge computes (type-only imports
 * count, as in the cycle check). A new import between layers fails here until the table says so,
 * and a dependency the code dropped fails until the table drops it too.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { importGraph, layerOf, type ImportGraph } from './import-graph.js';
import { parseLayerTable, type LayerRow } from './layer-table.js';

const table = parseLayerTable(readFileSync(new URL('../../docs/architecture.md', import.meta.url), 'utf8'));
let graph: ImportGraph;
let runtime: ImportGraph;

beforeAll(async () => {
  graph = await importGraph({ typeImports: true });
  runtime = await importGraph({ typeImports: false });
});

/** Each import that crosses from one layer to another, as 'from → to' file pairs, by layer. */
function crossings(g: ImportGraph): Map<string, { from: string; to: string }[]> {
  const out = new Map<string, { from: string; to: string }[]>();
  for (const [from, tos] of g.imports) {
    for (const to of tos) {
      if (layerOf(from) === layerOf(to)) continue;
      const list = out.get(layerOf(from)) ?? [];
      list.push({ from, to });
      out.set(layerOf(from), list);
    }
  }
  return out;
}

/** What is wrong with one row, as lines naming the files at fault. */
function rowProblems(row: LayerRow, edges: { from: string; to: string }[], runtimeEdges: { from: string; to: string }[]): string[] {
  const problems: string[] = [];
  const covers = (path: string, file: string): boolean => (path.endsWith('.ts') ? file === path : layerOf(file) === path);
  for (const { from, to } of edges) {
    const declared = row.dependsOn.filter((d) => covers(d.path, to));
    if (declared.length === 0) {
      const wholeFolderNamed = row.dependsOn.some((d) => d.isFile && layerOf(d.path) === layerOf(to));
      problems.push(`${from} imports ${to}, which the table does not list${wholeFolderNamed ? ` (it names only some files of ${layerOf(to)})` : ''}`);
    }
  }
  for (const d of row.dependsOn) {
    if (!edges.some((e) => covers(d.path, e.to))) problems.push(`the table lists ${d.path}, which no file of ${row.layer} imports`);
    if (d.isFile && row.dependsOn.some((o) => !o.isFile && o.path === layerOf(d.path))) {
      problems.push(`the table lists both ${layerOf(d.path)} and its file ${d.path}: name the folder or its files, not both`);
    }
    if (d.typesOnly) {
      for (const e of runtimeEdges.filter((r) => covers(d.path, r.to))) problems.push(`${e.from} imports ${e.to} for more than types, but the table says "(types only)"`);
    }
  }
  return problems;
}

describe("docs/architecture.md's layer table", () => {
  it('has a row for every layer of src/ and none for a layer that does not exist', () => {
    const layers = [...new Set([...graph.imports.keys()].map(layerOf))].sort();
    expect(graph.unresolved).toEqual([]);
    expect(table.map((r) => r.layer).sort()).toEqual(layers);
  });

  it("states each layer's dependencies on the others exactly as the import graph has them", () => {
    const all = crossings(graph);
    const run = crossings(runtime);
    const problems = table.flatMap((row) => rowProblems(row, all.get(row.layer) ?? [], run.get(row.layer) ?? []).map((p) => `${row.layer}: ${p}`));
    expect(problems, `the layer table and the import graph disagree:\n${problems.join('\n')}`).toEqual([]);
  });
});
