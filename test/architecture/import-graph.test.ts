/**
 * The import graph of src/ (read once from the sources by import-graph.ts, shared by both checks):
 *
 * - No import cycles. A cycle makes the order in which modules initialise depend on which one is
 *   imported first (a class can be undefined where it is used), and it means two files are really
 *   one concept: neither can be understood, tested or moved without the other.
 * - docs/architecture.md's layer table tells the truth: each layer's "depends on" column is
 *   exactly what its files import from other layers. A new import between layers fails here until
 *   the table says so, and a dependency the code dropped fails until the table drops it too.
 *
 * Type-only imports (`import type`) count, in both. They create no runtime cycle, but they do tie
 * two files' concepts together, and counting them keeps one simple rule: a file that needs
 * another's type depends on it (a type two files both need belongs in a third that both import).
 * The table marks a dependency that is only on types "(types only)", checked against the graph
 * without type-only imports. Dynamic `import()` counts too: a file loaded on demand is still a
 * dependency.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { importGraph, layerOf, type ImportGraph } from './import-graph.js';
import { layerTableProblems } from './layer-check.js';
import { parseLayerTable } from './layer-table.js';

let graph: ImportGraph;

beforeAll(async () => {
  graph = importGraph({ typeImports: true });
});

describe('the import graph of src/', () => {
  it('is complete (every relative import names a file)', () => {
    expect(graph.unresolved).toEqual([]);
    expect(graph.imports.size).toBeGreaterThan(50);
  });

  it('has no cycles (type-only imports included)', () => {
    const cycles = graph.cycles.map((c) => [...c, c[0]].join(' → '));
    expect(cycles, `${cycles.length} import cycle(s):\n${cycles.join('\n')}`).toEqual([]);
  });

  it('would show a cycle of type-only imports and one through a dynamic import (the check can fail)', async () => {
    const fixture = importGraph({ typeImports: true, dir: 'test/architecture/cycle-fixture' });
    const cycles = fixture.cycles.map((c) => [...c].sort().join(' '));
    expect(cycles.sort()).toEqual([
      'test/architecture/cycle-fixture/a.ts test/architecture/cycle-fixture/b.ts',
      'test/architecture/cycle-fixture/c.ts test/architecture/cycle-fixture/d.ts',
    ]);
  });
});

describe("docs/architecture.md's layer table", () => {
  const table = parseLayerTable(readFileSync(new URL('../../docs/architecture.md', import.meta.url), 'utf8'));

  it('has a row for every layer of src/ and none for a layer that does not exist', () => {
    const layers = [...new Set([...graph.imports.keys()].map(layerOf))].sort();
    expect(table.map((r) => r.layer).sort()).toEqual(layers);
  });

  it("states each layer's dependencies on the others exactly as the import graph has them", async () => {
    const runtime = importGraph({ typeImports: false });
    const problems = layerTableProblems(table, graph, runtime);
    expect(problems, `the layer table and the import graph disagree:\n${problems.join('\n')}`).toEqual([]);
  });
});
