import { loadD } from './c.js';
export const d = 1;
export const again = loadD;
