// A cycle through a dynamic import (d.ts imports this file statically).
export async function loadD(): Promise<number> {
  const { d } = await import('./d.js');
  return d;
}
