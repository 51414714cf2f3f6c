/**
 * No import cycles in src/. A cycle makes the order in which modules initialise depend on which
 * one is imported first (a class can be undefined where it is used), and it means two files are
 * really one concept: neither can be understood, tested or moved without the other.
 *
 * Type-only imports (`import type`) count. They create no runtime cycle, but they do tie the two
 * files' concepts together, and counting them keeps the rule simple and the same as the layer
 * table's (test/architecture/layers.test.ts): a file that needs another's type depends on it.
 * A type that two files both need belongs in a third file that both import.
 */
import { describe, expect, it } from 'vitest';
import { importGraph } from './import-graph.js';

describe('the import graph of src/', () => {
  it('has no cycles (type-only imports included)', async () => {
    const graph = await importGraph({ typeImports: true });
    expect(graph.unresolved, 'imports madge could not resolve (the graph would be incomplete)').toEqual([]);
    expect(graph.imports.size).toBeGreaterThan(50);
    const cycles = graph.cycles.map((c) => [...c, c[0]].join(' → '));
    expect(cycles, `${cycles.length} import cycle(s):\n${cycles.join('\n')}`).toEqual([]);
  });

  it('would see a cycle of type-only imports and one through a dynamic import (the check can fail)', async () => {
    const graph = await importGraph({ typeImports: true, dir: 'test/architecture/cycle-fixture' });
    const cycles = graph.cycles.map((c) => [...c].sort().join(' '));
    expect(cycles.sort()).toEqual([
      'test/architecture/cycle-fixture/a.ts test/architecture/cycle-fixture/b.ts',
      'test/architecture/cycle-fixture/c.ts test/architecture/cycle-fixture/d.ts',
    ]);
  });
});
