// The other half: a type import back to a.ts.
import type { A } from './a.js';
export interface B {
  a?: A;
}
