// Half of a type-only cycle: the cycle check must see it (import-graph.test.ts).
import type { B } from './b.js';
export interface A {
  b?: B;
}
