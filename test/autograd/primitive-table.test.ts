/** The primitive table covers every differentiable op, and selects rows by name. */
import { describe, expect, it } from 'vitest';
import * as op from '../../src/autograd/ops.js';
import { notInTable, primitiveTable, selectRows } from '../../src/testing/primitive-table.js';

describe('primitive table', () => {
  it('has a row for every exported op, or a reason in notInTable (adding a primitive = its file + its row)', () => {
    const forwards = new Set<unknown>(primitiveTable.map((r) => r.forward));
    const missing = Object.entries(op)
      .filter(([name, v]) => typeof v === 'function' && !forwards.has(v) && !(name in notInTable))
      .map(([name]) => name);
    expect(missing).toEqual([]);
    // And no stale reasons: each names a real export that has no row.
    for (const name of Object.keys(notInTable)) {
      expect(typeof (op as Record<string, unknown>)[name], name).toBe('function');
      expect(forwards.has((op as Record<string, unknown>)[name]), name).toBe(false);
    }
  });

  it('names each row once, and selectRows rejects unknown names', () => {
    const names = primitiveTable.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    expect(selectRows(['mul', 'conv2d']).map((r) => r.name)).toEqual(['mul', 'conv2d']);
    expect(() => selectRows(['mull'])).toThrow(/no primitive named mull/);
  });
});
